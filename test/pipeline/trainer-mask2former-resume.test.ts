/**
 * Issue #5 on the real model: a Mask2Former run interrupted mid-way and resumed (`--resume`)
 * ends with the same weights, bit for bit, as the same run never stopped. The tiny cpu-tiny
 * model (one Swin block per stage, one decoder layer) trains on 64×64 synthetic images through
 * the generic trainer with Mask2FormerMaskTask: drop-path and criterion point draws are restored
 * from the checkpoint, and every backward scatter (deformable attention, point_sample,
 * index_select) sums in a fixed order, so nothing differs between the two runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fillInPlace } from '../../engine/index.js';
import type { PointvisConfig } from '../../model/config/index.js';
import { criterionFromConfig, mask2formerFromConfig } from '../../model/mask2former/index.js';
import { EpochSampler, type LoadedBatch, type SamplerState } from '../../pointvis/data/index.js';
import { assembleBatch } from '../../pointvis/data/assemble-batch.js';
import type { ImageSample } from '../../pointvis/data/types.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { type BatchStream, Mask2FormerMaskTask, train } from '../../pointvis/train/index.js';
import { synthTrainingSamples } from '../../bench/model.js';
import { useEngine } from '../util/engine.js';
import { parameterValues } from './trainer-fixtures.js';

const MAX_ITER = 4;
const STOP_AT = 2;

let cfg: PointvisConfig;
let samples: ImageSample[];

beforeAll(async () => {
  await useEngine();
  cfg = loadConfigFile('configs/mask2former/cpu-tiny.yaml', [
    'model.swin.depths=[1,1,1,1]',
    'model.decoder.layers=1',
    'model.decoder.numQueries=6',
    'loss.numPoints=128',
    'loss.matcher.numPoints=128',
    'solver.imsPerBatch=1',
    `solver.maxIter=${MAX_ITER}`,
    'solver.checkpointPeriod=2',
    'solver.logPeriod=2',
    'solver.steps=[3]',
  ]);
  samples = synthTrainingSamples(3, 4);
});

/** Batches of the synthetic images in the real sampler's order, reopenable at a state. */
function openStream(state: unknown): BatchStream<LoadedBatch> {
  const sampler = new EpochSampler({
    size: samples.length,
    batchSize: cfg.solver.imsPerBatch,
    seed: cfg.seed,
    state: (state as SamplerState | null) ?? undefined,
  });
  const collate = {
    pixelMean: cfg.model.pixelMean,
    pixelStd: cfg.model.pixelStd,
    sizeDivisibility: cfg.model.sizeDivisibility,
  };
  return {
    next: async () => {
      const items = sampler.nextBatch();
      const host = assembleBatch(
        items.map((it) => samples[it.index]!),
        collate,
      );
      const stateAfter = sampler.state;
      return { batch: { host, items, stateAfter }, stateAfter };
    },
  };
}

async function run(outDir: string, options: { resume?: boolean; stopAt?: number; zeroInit?: boolean }) {
  const model = mask2formerFromConfig(cfg);
  // Zeroed weights: whatever the resumed run ends with must come from the checkpoint.
  if (options.zeroInit) for (const p of model.parameters()) fillInPlace(p, 0);
  const criterion = criterionFromConfig(cfg);
  const controller = new AbortController();
  const result = await train({
    config: cfg,
    task: new Mask2FormerMaskTask(model, criterion),
    data: openStream,
    outDir,
    resume: options.resume,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.iteration === options.stopAt) controller.abort();
    },
  });
  const params = await parameterValues(model);
  criterion.dispose();
  model.dispose();
  return { result, params };
}

describe('Mask2Former training resumes exactly', () => {
  it(`${STOP_AT} iterations + interrupt + resume = ${MAX_ITER} straight, bit for bit`, async () => {
    const fresh = () => mkdtempSync(join(tmpdir(), 'pointvis-m2f-resume-'));
    const straight = await run(fresh(), {});
    expect(straight.result).toMatchObject({ iteration: MAX_ITER, interrupted: false });

    const splitDir = fresh();
    const first = await run(splitDir, { stopAt: STOP_AT });
    expect(first.result).toMatchObject({ iteration: STOP_AT, interrupted: true });
    // The weights moved after the interruption, so equality below is not trivial.
    const moved = [...first.params].filter(([n, v]) => v.some((x, i) => x !== straight.params.get(n)![i]));
    expect(moved.length).toBeGreaterThan(first.params.size / 2);

    const second = await run(splitDir, { resume: true, zeroInit: true });
    expect(second.result).toMatchObject({ iteration: MAX_ITER, interrupted: false });
    expect([...second.params.keys()]).toEqual([...straight.params.keys()]);
    const differing: string[] = [];
    for (const [name, values] of straight.params) {
      const resumed = second.params.get(name)!;
      if (!Buffer.from(resumed.buffer).equals(Buffer.from(values.buffer))) differing.push(name);
    }
    expect(differing).toEqual([]);
  }, 120_000);
});
