/**
 * The browser app's trained sample model: the model weights of a training checkpoint (its
 * optimizer state, twice the weights' size, left out) written to
 * runners/browser/sample/model.safetensors, which the build then ships instead of the seeded,
 * untrained initialisation. `npx tsx tools/sample-model.ts CHECKPOINT` runs it.
 */
import { readCheckpointFile } from '../../../pointvis/io/checkpoint-file.js';
import { writeHostSafetensorsFile } from '../../node/safetensors-file.js';
import { TRAINED_SAMPLE_MODEL } from './paths.js';

/** Writes the checkpoint's model tensors (names and values unchanged) with a note of where they came from. */
export function writeTrainedSampleModel(
  checkpoint: string,
  source: string,
  out: string = TRAINED_SAMPLE_MODEL,
): { tensors: number; parameters: number } {
  const parsed = readCheckpointFile(checkpoint);
  writeHostSafetensorsFile(out, parsed.model, {
    pointvis_sample: source,
    iteration: String(parsed.iteration),
  });
  let parameters = 0;
  for (const t of parsed.model.values()) parameters += t.data.length;
  return { tensors: parsed.model.size, parameters };
}
