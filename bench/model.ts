/**
 * The whole Mask2Former training iteration on this machine's adapter: forward + criterion +
 * backward + AdamW (with the config's gradient clipping) of the cpu-tiny config at its input size
 * (64×64 synthetic images), batch 2 — ms per iteration and the engine pool's peak live bytes.
 * Also exports the synthetic training samples the overfit test uses.
 */
import { engine, tidy } from '../engine/index.js';
import type { PointvisConfig } from '../model/config/index.js';
import {
  type Mask2Former,
  type TrainBatch,
  criterionFromConfig,
  disposeTrainBatch,
  disposeTrainStepResult,
  mask2formerFromConfig,
  readTrainStepValues,
  trainStep,
  uploadTrainBatch,
} from '../model/mask2former/index.js';
import { assembleBatch } from '../pointvis/data/assemble-batch.js';
import type { ImageSample } from '../pointvis/data/types.js';
import { buildOptimizer } from '../pointvis/train/param-groups.js';
import {
  Rng,
  SYNTH_PRESETS,
  type SynthPresetName,
  buildCategories,
  renderImageScene,
} from '../pointvis/synth/index.js';
import type { BenchEntry } from './timing.js';

/**
 * `count` synthetic training images rendered in memory (pointvis synth's image scenes, no files):
 * RGB, and one instance per visible object with class index = category id − 1 (the preset's
 * shared categories, ids 1..K).
 */
export function synthTrainingSamples(
  count: number,
  seed: number,
  preset: SynthPresetName = 'tiny',
): ImageSample[] {
  const p = SYNTH_PRESETS[preset];
  const shared = buildCategories(p.sharedCategories, p.novelCategories).filter((c) => c.shared);
  const root = Rng.fromSeed(seed);
  return Array.from({ length: count }, (_, index) => {
    const scene = renderImageScene(root.fork('image', 'train', index), p, shared);
    const frame = scene.frames[0]!;
    const instances = scene.tracks.flatMap((track, k) => {
      if (frame.visibleArea[k]! === 0) return [];
      const mask = new Uint8Array(frame.height * frame.width);
      for (let i = 0; i < mask.length; i++) mask[i] = frame.owner[i] === k ? 1 : 0;
      return [{ objectId: k + 1, categoryId: track.category.id, classIndex: track.category.id - 1, mask }];
    });
    return {
      image: frame.rgb,
      height: frame.height,
      width: frame.width,
      instances,
      source: { file: `synth:${preset}:${seed}:${index}`, id: index + 1, annotations: 'synth (in memory)' },
    };
  });
}

/** The batch of a config's normalisation and padding, uploaded. */
export function synthTrainBatch(cfg: PointvisConfig, samples: readonly ImageSample[]): TrainBatch {
  return uploadTrainBatch(
    assembleBatch(samples, {
      pixelMean: cfg.model.pixelMean,
      pixelStd: cfg.model.pixelStd,
      sizeDivisibility: cfg.model.sizeDivisibility,
    }),
  );
}

export interface TrainIterationTiming {
  msPerIter: number;
  /** Wall time of the first (warm-up) iteration: pipeline compilation and allocation included. */
  firstIterMs: number;
  /** Engine pool peak live bytes over the timed iterations (model, optimizer state, activations). */
  peakLiveBytes: number;
  /** Live bytes of the parameters alone. */
  parameterBytes: number;
  parameters: number;
  lastLoss: number;
}

/** Times `iters` training iterations (after `warmup` ≥ 1) of `model` on one fixed batch. */
export async function timeTrainIterations(
  cfg: PointvisConfig,
  model: Mask2Former,
  batch: TrainBatch,
  iters: number,
  warmup: number,
): Promise<TrainIterationTiming> {
  const criterion = criterionFromConfig(cfg);
  const { optimizer } = buildOptimizer(model, cfg.solver);
  const params = model.parameters();
  const parameters = params.reduce((n, p) => n + p.size, 0);
  let lastLoss = NaN;
  let firstIterMs = NaN;
  const run = async (step: number, read: boolean) => {
    const result = await trainStep(model, criterion, optimizer, batch, { step, read });
    if (read) lastLoss = (await readTrainStepValues(result)).get('loss')!;
    disposeTrainStepResult(result);
  };
  const first = performance.now();
  for (let i = 0; i < warmup; i++) {
    await run(i, false);
    if (i === 0) await engine().sync();
    if (i === 0) firstIterMs = performance.now() - first;
  }
  await engine().sync();
  engine().pool.resetPeak();
  const start = performance.now();
  for (let i = 0; i < iters; i++) await run(warmup + i, i === iters - 1);
  const msPerIter = (performance.now() - start) / iters;
  const peakLiveBytes = engine().pool.snapshot().peakLiveBytes;
  optimizer.dispose();
  criterion.dispose();
  return { msPerIter, firstIterMs, peakLiveBytes, parameterBytes: parameters * 4, parameters, lastLoss };
}

/** cpu-tiny at 64×64, batch 2: ms per training iteration and peak live bytes. */
export async function benchModel(): Promise<BenchEntry[]> {
  // Loaded lazily: the YAML reader does not survive the GPU bundle (gpu-model-vs-torch.ts imports this file).
  const { loadConfigFile } = await import('../pointvis/io/config-file.js');
  const cfg = loadConfigFile('configs/mask2former/cpu-tiny.yaml');
  const model = mask2formerFromConfig(cfg);
  const batch = tidy(() => synthTrainBatch(cfg, synthTrainingSamples(2, 7)));
  const isCpu = engine().gpu.report.isCpu;
  const t = await timeTrainIterations(cfg, model, batch, isCpu ? 3 : 20, isCpu ? 1 : 3);
  disposeTrainBatch(batch);
  model.dispose();
  return [
    {
      name: 'mask2former cpu-tiny train iteration (fwd+criterion+bwd+AdamW)',
      config: 'configs/mask2former/cpu-tiny.yaml',
      batch: 2,
      input: '64x64',
      parameters: t.parameters,
      msPerIter: Number(t.msPerIter.toFixed(1)),
      peakLiveMiB: Number((t.peakLiveBytes / 2 ** 20).toFixed(2)),
      parameterMiB: Number((t.parameterBytes / 2 ** 20).toFixed(2)),
      loss: t.lastLoss,
    },
  ];
}
