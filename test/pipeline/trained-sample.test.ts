import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW, backward, mean, square, tensor, tidyAsync } from '../../engine/index.js';
import { Linear } from '../../model/nn/index.js';
import { saveCheckpointFile } from '../../pointvis/io/checkpoint-file.js';
import { readSafetensorsFile } from '../../pointvis/io/safetensors-file.js';
import { writeTrainedSampleModel } from '../../runners/browser/build/trained-sample.js';
import { useEngine } from '../util/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'pointvis-sample-'));
beforeAll(() => useEngine());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the browser app's trained sample model", () => {
  it('keeps the checkpoint’s model tensors and drops its optimizer state', async () => {
    const layer = new Linear(3, 2, { seed: 1 });
    const optimizer = new AdamW(layer.parameters(), { lr: 0.1 });
    await tidyAsync(async () => {
      optimizer.zeroGrad();
      backward(mean(square(layer.forward(tensor([1, 2, 3, -1, 0, 2], [2, 3])))));
      optimizer.step();
    });
    expect([...optimizer.stateTensors()].length).toBeGreaterThan(0);
    const checkpoint = join(dir, 'ckpt.safetensors');
    await saveCheckpointFile(checkpoint, layer, optimizer, { iteration: 7, config: {} });
    const out = join(dir, 'model.safetensors');
    const written = writeTrainedSampleModel(checkpoint, 'trained: test', out);
    const file = readSafetensorsFile(out);
    expect([...file.tensors.keys()].sort()).toEqual([...layer.stateDict().keys()].sort());
    expect(written).toEqual({ tensors: 2, parameters: 8 });
    expect(file.metadata).toEqual({ pointvis_sample: 'trained: test', iteration: '7' });
    const weight = layer.stateDict().get('weight')!;
    expect(Array.from(file.tensors.get('weight')!.data)).toEqual(Array.from(await weight.data()));
    optimizer.dispose();
    layer.dispose();
  });
});
