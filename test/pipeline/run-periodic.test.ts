// The trainer's periodic hook (what `pointvis run` evaluates AP curves with): called every N
// iterations, free to switch the model to eval mode, and without effect on the training itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingSetupError, train } from '../../pointvis/train/index.js';
import { useEngine } from '../util/engine.js';
import {
  TinyMaskNet,
  TinyTask,
  makeDataset,
  openStream,
  parameterValues,
  tinyConfig,
} from './trainer-fixtures.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pointvis-periodic-'));
  dirs.push(d);
  return d;
};
beforeAll(async () => {
  await useEngine();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const dataset = makeDataset(4, 3);
const SOLVER = { baseLr: 0.01, steps: '[]', maxIter: 5, logPeriod: 1, checkpointPeriod: 5, imsPerBatch: 2 };

async function run(periodic?: { every: number; seen: { iteration: number; training: boolean }[] }) {
  const model = new TinyMaskNet(2);
  const config = tinyConfig(SOLVER);
  const result = await train({
    config,
    task: new TinyTask(model),
    data: openStream(dataset, 2, 5),
    outDir: freshDir(),
    periodic: periodic && {
      every: periodic.every,
      run: async (iteration) => {
        model.eval();
        periodic.seen.push({ iteration, training: model.training });
      },
    },
  });
  const afterwards = model.training;
  const params = await parameterValues(model);
  model.dispose();
  return { result, params, afterwards };
}

describe('trainer periodic hook', () => {
  it('runs at every multiple of `every`, leaves training mode and the weights as without it', async () => {
    const seen: { iteration: number; training: boolean }[] = [];
    const hooked = await run({ every: 2, seen });
    expect(seen).toEqual([
      { iteration: 2, training: false },
      { iteration: 4, training: false },
    ]);
    expect(hooked.result).toMatchObject({ iteration: 5, interrupted: false });
    expect(hooked.afterwards).toBe(true);
    const plain = await run();
    for (const [name, values] of plain.params) {
      expect(Buffer.from(hooked.params.get(name)!.buffer).equals(Buffer.from(values.buffer)), name).toBe(
        true,
      );
    }
  });

  it('refuses a period that is not a positive integer', async () => {
    await expect(run({ every: 0, seen: [] })).rejects.toThrow(TrainingSetupError);
  });
});
