import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointDir,
  MetricsLog,
  TrainingDivergedError,
  TrainingSetupError,
  train,
} from '../../pointvis/train/index.js';
import { readCheckpointFile } from '../../pointvis/io/checkpoint-file.js';
import { fillInPlace } from '../../engine/index.js';
import { useEngine } from '../util/engine.js';
import {
  TinyMaskNet,
  TinyTask,
  makeDataset,
  openStream,
  parameterValues,
  tinyConfig,
} from './trainer-fixtures.js';

beforeAll(async () => {
  await useEngine();
});

const dataset = makeDataset(5, 7);
const freshDir = () => mkdtempSync(join(tmpdir(), 'pointvis-trainer-'));

// Warmup over 2 iterations from factor 0.5, a step ×0.1 at iteration index 4, base lr 0.01.
const SOLVER = {
  baseLr: 0.01,
  'warmup.factor': 0.5,
  'warmup.iters': 2,
  schedule: 'step',
  steps: '[4]',
  gamma: 0.1,
  maxIter: 6,
  logPeriod: 2,
  checkpointPeriod: 3,
  imsPerBatch: 2,
};

async function run(
  outDir: string,
  options: { seed: number; resume?: boolean; stopAt?: number; zeroInit?: boolean },
) {
  const model = new TinyMaskNet(options.seed);
  // Zeroed weights: whatever the resumed run ends with must come from the checkpoint.
  if (options.zeroInit) for (const p of model.parameters()) fillInPlace(p, 0);
  const task = new TinyTask(model);
  const controller = new AbortController();
  const config = tinyConfig(SOLVER);
  const result = await train({
    config,
    task,
    data: openStream(dataset, config.solver.imsPerBatch, 11),
    outDir,
    resume: options.resume,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.iteration === options.stopAt) controller.abort();
    },
  });
  const params = await parameterValues(model);
  model.dispose();
  return { result, params, task };
}

describe('trainer', () => {
  it('resumes bit-exactly: 3 iterations + interrupt + resume 3 = 6 straight', async () => {
    const straightDir = freshDir();
    const straight = await run(straightDir, { seed: 1 });
    expect(straight.result).toMatchObject({ iteration: 6, interrupted: false });

    const splitDir = freshDir();
    const first = await run(splitDir, { seed: 1, stopAt: 3 });
    expect(first.result).toMatchObject({ iteration: 3, interrupted: true });
    // The weights really moved between the halves, so equality below is not trivial.
    const moved = [...first.params].some(([n, v]) => v.some((x, i) => x !== straight.params.get(n)![i]));
    expect(moved).toBe(true);
    // The same seed (it also seeds dropout, as the config's seed does) but zeroed weights.
    const second = await run(splitDir, { seed: 1, resume: true, zeroInit: true });
    expect(second.result).toMatchObject({ iteration: 6, interrupted: false });
    expect(second.task.draws).toBe(straight.task.draws);

    expect([...second.params.keys()]).toEqual([...straight.params.keys()]);
    for (const [name, values] of straight.params) {
      const resumed = second.params.get(name)!;
      expect(Buffer.from(resumed.buffer).equals(Buffer.from(values.buffer)), name).toBe(true);
    }
    // The metrics of the resumed run continue the interrupted one: the same records as straight.
    const straightMetrics = new MetricsLog(straightDir).read();
    const splitMetrics = new MetricsLog(splitDir).read();
    expect(splitMetrics.map((r) => r.iteration)).toEqual([2, 3, 4, 6]);
    expect(straightMetrics.map((r) => r.iteration)).toEqual([2, 3, 4, 6]);
    for (const [a, b] of splitMetrics.map((r, i) => [r, straightMetrics[i]!])) {
      expect(a.total_loss).toBe(b.total_loss);
      expect(a.loss_mask).toBe(b.loss_mask);
    }
  });

  it('stops on NaN naming the iteration and term, keeping the last good checkpoint', async () => {
    const dir = freshDir();
    const model = new TinyMaskNet(3);
    const task = new TinyTask(model, { nanOnCall: 5 });
    const config = tinyConfig({ ...SOLVER, maxIter: 8, logPeriod: 4, checkpointPeriod: 2 });
    const error = await train({ config, task, data: openStream(dataset, 2, 11), outDir: dir }).catch(
      (e) => e,
    );
    model.dispose();
    expect(error).toBeInstanceOf(TrainingDivergedError);
    const diverged = error as TrainingDivergedError;
    expect(diverged.iteration).toBe(5);
    expect(diverged.term).toBe('loss_bad');
    expect(diverged.message).toContain('loss_bad is NaN at iteration 5');
    // Checkpoints at 2 and 4; the one due at 6 (after the NaN) is never written.
    const checkpoints = new CheckpointDir(dir, 3);
    expect(checkpoints.list().map((c) => c.iteration)).toEqual([2, 4]);
    expect(checkpoints.latest()).toBe(checkpoints.pathFor(4));
    expect(diverged.lastCheckpoint).toBe(checkpoints.pathFor(4));
    const saved = readCheckpointFile(checkpoints.pathFor(4));
    for (const [name, t] of saved.model) {
      expect((t.data as Float32Array).every(Number.isFinite), name).toBe(true);
    }
  });

  it('rotates checkpoints, keeps the pointer on the newest, writes model_final', async () => {
    const dir = freshDir();
    const model = new TinyMaskNet(4);
    const config = tinyConfig({ ...SOLVER, maxIter: 5, checkpointPeriod: 1, logPeriod: 10 });
    const result = await train({
      config,
      task: new TinyTask(model),
      data: openStream(dataset, 2, 11),
      outDir: dir,
      keepCheckpoints: 2,
    });
    model.dispose();
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual([
      'model_0000004.safetensors',
      'model_0000005.safetensors',
    ]);
    expect(readFileSync(join(dir, 'last_checkpoint'), 'utf8').trim()).toBe(
      'checkpoints/model_0000005.safetensors',
    );
    expect(result.lastCheckpoint).toBe(join(dir, 'checkpoints', 'model_0000005.safetensors'));
    const final = readCheckpointFile(join(dir, 'model_final.safetensors'));
    expect(final.iteration).toBe(5);
    expect(final.optimizer.size).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'config.yaml'))).toBe(true);
  });

  it('writes metrics.jsonl with the scheduled lr, every term and memory figures', async () => {
    const dir = freshDir();
    const model = new TinyMaskNet(5);
    const config = tinyConfig({ ...SOLVER, logPeriod: 1, checkpointPeriod: 100 });
    await train({ config, task: new TinyTask(model), data: openStream(dataset, 2, 11), outDir: dir });
    model.dispose();
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as Record<string, number>);
    expect(records.map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
    // By hand: linear warmup 0.5 → 1 over 2 iterations (factor 0.5, 0.75), then 1, and ×0.1 from index 4.
    const expectedLr = [0.005, 0.0075, 0.01, 0.01, 0.001, 0.001];
    records.forEach((r, i) => expect(r.lr).toBeCloseTo(expectedLr[i]!, 12));
    for (const r of records) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          'loss_mask',
          'loss_embed',
          'total_loss',
          'grad_norm',
          'seconds_per_iter',
          'gpu_live_bytes',
          'gpu_peak_bytes',
        ]),
      );
      expect(r.total_loss).toBeCloseTo(r.loss_mask! + r.loss_embed!, 5);
      expect(r.grad_norm).toBeGreaterThan(0);
      expect(r.seconds_per_iter).toBeGreaterThan(0);
      expect(r.gpu_peak_bytes).toBeGreaterThanOrEqual(r.gpu_live_bytes!);
      expect(r.gpu_live_bytes).toBeGreaterThan(0);
    }
    // The mask loss falls from 5·ln 2-ish as the model learns the red-channel rule.
    expect(records[5]!.loss_mask).toBeLessThan(records[0]!.loss_mask!);
  });

  it('refuses to overwrite a run without resume, and to resume where nothing was saved', async () => {
    const dir = freshDir();
    const model = new TinyMaskNet(6);
    const config = tinyConfig({ ...SOLVER, maxIter: 1, steps: '[]' });
    const data = openStream(dataset, 2, 11);
    await train({ config, task: new TinyTask(model), data, outDir: dir });
    await expect(train({ config, task: new TinyTask(model), data, outDir: dir })).rejects.toThrow(
      /already holds a run/,
    );
    await expect(
      train({ config, task: new TinyTask(model), data, outDir: freshDir(), resume: true }),
    ).rejects.toBeInstanceOf(TrainingSetupError);
    model.dispose();
  });
});
