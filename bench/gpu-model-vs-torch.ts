/**
 * Our whole Mask2Former training iteration (forward + SetCriterion + backward + AdamW with the
 * config's full-model clipping) for Swin-T and Swin-L at batch 8 × 480×640 (by default), for
 * comparison with the same architecture in PyTorch on the same GPU (bench/gpu_model_torch.py;
 * bench/gpu-model.sh runs both and prints the ratios). Drop-path is set to 0 on both sides (the
 * PyTorch references have none); the loss uses the config's 12544 points.
 *
 * The run configs are resolved from configs/mask2former/<variant>.yaml on the dev machine
 * (`--write-configs DIR`, which `bash bench/gpu-model.sh pack` runs: the YAML reader does not
 * survive the bundle) and read as JSON by both sides on the GPU machine.
 *
 * Prints one JSON line per variant:
 *   {adapter, variant, batch, height, width, objects, parameters, msPerIter, firstIterMs,
 *    peakLiveGiB, loss}   or   {variant, ..., error} when it fails (e.g. out of memory)
 * Run: npx tsx bench/gpu-model-vs-torch.ts --write-configs .gpu/model-configs [--variants ...]
 *      source .gpu/env.sh && node .gpu/gpu-model-vs-torch.mjs [--configs .gpu/model-configs]
 *        [--variants swin-t,swin-l] [--batch 8] [--size 480x640] [--iters 10]
 *  (or npx tsx bench/gpu-model-vs-torch.ts ... on any machine; tiny sizes on a CPU adapter)
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Tensor, Tensor as TensorClass, adapterName, engine, randn, tidy } from '../engine/index.js';
import type { PointvisConfig } from '../model/config/index.js';
import { type TrainBatch, disposeTrainBatch, mask2formerFromConfig } from '../model/mask2former/index.js';
import { writeJsonAtomic } from '../pointvis/io/atomic-write.js';
import { startNodeEngine } from '../runners/node/engine.js';
import { timeTrainIterations } from './model.js';

/** Objects per image of the synthetic targets (the same formula as bench/gpu_model_torch.py). */
export const OBJECTS_PER_IMAGE = 5;

/**
 * Deterministic elliptical targets, f32 [B·T, H, W] and labels: object j of image b is centred at
 * (cx, cy) = W·(0.15 + 0.07·((5b + 3j) mod 10)), H·(0.2 + 0.06·((3b + 7j) mod 10)) with radii
 * ry = H·(0.08 + 0.04·(j mod 3)), rx = W·(0.1 + 0.03·((b + j) mod 4)); label (b·T + j) mod K.
 */
export function syntheticTargets(
  batch: number,
  height: number,
  width: number,
  numClasses: number,
  objects = OBJECTS_PER_IMAGE,
): { labels: number[][]; masks: Float32Array } {
  const masks = new Float32Array(batch * objects * height * width);
  const labels: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const row: number[] = [];
    for (let j = 0; j < objects; j++) {
      const cx = width * (0.15 + 0.07 * ((5 * b + 3 * j) % 10));
      const cy = height * (0.2 + 0.06 * ((3 * b + 7 * j) % 10));
      const ry = height * (0.08 + 0.04 * (j % 3));
      const rx = width * (0.1 + 0.03 * ((b + j) % 4));
      const base = (b * objects + j) * height * width;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const dy = (y + 0.5 - cy) / ry;
          const dx = (x + 0.5 - cx) / rx;
          if (dx * dx + dy * dy <= 1) masks[base + y * width + x] = 1;
        }
      }
      row.push((b * objects + j) % numClasses);
    }
    labels.push(row);
  }
  return { labels, masks };
}

function upload(data: Float32Array, shape: number[]): Tensor {
  const t = TensorClass.empty(shape, 'f32');
  engine().stream.upload(t.buffer, 0, data);
  return t;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** Writes DIR/<variant>.json: the resolved config (weights off, drop-path 0) both sides build from. */
async function writeConfigs(dir: string, variants: readonly string[]): Promise<void> {
  const { loadConfigFile } = await import('../pointvis/io/config-file.js');
  mkdirSync(dir, { recursive: true });
  for (const variant of variants) {
    const cfg = loadConfigFile(`configs/mask2former/${variant}.yaml`, [
      'model.weights=null',
      'model.swin.dropPathRate=0',
    ]);
    writeJsonAtomic(join(dir, `${variant}.json`), cfg);
  }
}

async function runVariant(
  variant: string,
  batchSize: number,
  [height, width]: [number, number],
  iters: number,
  configs: string,
): Promise<Record<string, unknown>> {
  const cfg = JSON.parse(readFileSync(join(configs, `${variant}.json`), 'utf8')) as PointvisConfig;
  const base = { adapter: adapterName(engine().gpu.report), variant, batch: batchSize, height, width };
  const model = mask2formerFromConfig(cfg);
  let batch: TrainBatch | null = null;
  try {
    const targets = syntheticTargets(batchSize, height, width, cfg.model.numClasses);
    batch = tidy(() => ({
      images: randn([batchSize, 3, height, width], { seed: 1 }),
      targets: {
        labels: targets.labels,
        masks: upload(targets.masks, [targets.labels.flat().length, height, width]),
      },
    }));
    const t = await timeTrainIterations(cfg, model, batch, iters, 2);
    return {
      ...base,
      objects: OBJECTS_PER_IMAGE,
      parameters: t.parameters,
      msPerIter: Number(t.msPerIter.toFixed(2)),
      firstIterMs: Number(t.firstIterMs.toFixed(0)),
      peakLiveGiB: Number((t.peakLiveBytes / 2 ** 30).toFixed(3)),
      loss: t.lastLoss,
    };
  } catch (err) {
    return {
      ...base,
      error: err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err),
    };
  } finally {
    if (batch) disposeTrainBatch(batch);
    model.dispose();
    engine().pool.trim();
  }
}

async function main(): Promise<void> {
  const variants = arg('variants', 'swin-t,swin-l').split(',');
  if (process.argv.includes('--write-configs')) {
    await writeConfigs(arg('write-configs', '.gpu/model-configs'), variants);
    return;
  }
  const eng = await startNodeEngine();
  const isCpu = eng.gpu.report.isCpu;
  const configs = arg('configs', '.gpu/model-configs');
  const batch = Number(arg('batch', isCpu ? '1' : '8'));
  const [h, w] = arg('size', isCpu ? '64x64' : '480x640')
    .split('x')
    .map(Number) as [number, number];
  const iters = Number(arg('iters', isCpu ? '1' : '10'));
  let failed = false;
  for (const variant of variants) {
    const line = await runVariant(variant, batch, [h, w], iters, configs);
    failed ||= 'error' in line;
    console.log(JSON.stringify(line));
  }
  process.exit(failed ? 2 : 0);
}

// Runs as a script (tsx or the esbuild bundle), not when imported.
if (/gpu-model-vs-torch\.(ts|mjs)$/.test(process.argv[1] ?? '')) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
