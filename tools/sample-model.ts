/**
 * Puts a trained model into the browser app's sample: `npx tsx tools/sample-model.ts CHECKPOINT
 * [NOTE]` writes its weights (no optimizer state) to runners/browser/sample/model.safetensors.
 * The committed one: the default `pointvis run`'s self-trained PointVIS P1 model,
 * runs/report/selftrain/st1-pointvis-P1-l5-5-2/round-1/train/model_final.safetensors.
 */
import { writeTrainedSampleModel } from '../runners/browser/build/trained-sample.js';

const [checkpoint, note] = process.argv.slice(2);
if (!checkpoint) {
  process.stderr.write('usage: npx tsx tools/sample-model.ts CHECKPOINT [NOTE]\n');
  process.exit(2);
}
const source = note ?? `trained: ${checkpoint}`;
const { tensors, parameters } = writeTrainedSampleModel(checkpoint, source);
process.stdout.write(
  `runners/browser/sample/model.safetensors: ${tensors} tensors, ${parameters} values (${source})\n`,
);
