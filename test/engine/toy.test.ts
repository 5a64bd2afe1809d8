import { beforeAll, describe, expect, it } from 'vitest';
import { trainToyTask } from '../../pointvis/toy/toy-task.js';
import { platformName, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

describe(`toy end-to-end training (${platformName})`, () => {
  it('an MLP learns three spirals to >= 95% accuracy, without growing memory', async () => {
    const result = await trainToyTask({ steps: 150 });
    expect(result.lastLoss).toBeLessThan(result.firstLoss / 5);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.95);
    // Steady state: from step 5 on, the same live bytes after every step, and the pool stops
    // creating buffers (everything is reused).
    const live = result.liveBytesPerStep.slice(5);
    expect(new Set(live).size).toBe(1);
    const created = result.createdBuffersPerStep;
    expect(created[created.length - 1]).toBe(created[5]);
  });
});
