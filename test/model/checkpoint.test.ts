import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  type Tensor,
  backward,
  mean,
  serializeSafetensors,
  square,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import {
  CHECKPOINT_FORMAT,
  parseCheckpoint,
  restoreCheckpoint,
  serializeCheckpoint,
} from '../../model/checkpoint/index.js';
import { configFromObject } from '../../model/config/index.js';
import { Dropout, LayerNorm, Linear, Module, StateDictError, randomState } from '../../model/nn/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import {
  loadWeightsFile,
  readCheckpointFile,
  saveCheckpointFile,
} from '../../pointvis/io/checkpoint-file.js';
import { useEngine } from '../util/engine.js';

/** A small network with parameters, a persistent buffer, a derived buffer and dropout. */
class Net extends Module {
  readonly fc1: Linear;
  readonly norm: LayerNorm;
  readonly drop: Dropout;
  readonly fc2: Linear;

  constructor(seed: number, hidden = 6) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(4, hidden, { seed }));
    this.norm = this.registerModule('norm', new LayerNorm(hidden));
    this.drop = this.registerModule('drop', new Dropout(0.25, seed + 1));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, 3, { seed: seed + 2 }));
    this.registerBuffer('seen', tensor([seed, 0]));
    this.registerBuffer('attn_mask', tensor([1, 2, 3, 4]), { persistent: false });
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.drop.forward(this.norm.forward(this.fc1.forward(x))));
  }
}

const input = () =>
  tensor(
    Array.from({ length: 20 }, (_, i) => Math.sin(i)),
    [5, 4],
  );

/** One training step (fixed data; dropout draws from the module counters). */
async function step(net: Net, opt: AdamW): Promise<number> {
  return tidyAsync(async () => {
    opt.zeroGrad();
    const loss = mean(square(net.forward(input())));
    backward(loss);
    opt.step();
    return loss.item();
  });
}

async function snapshot(tensors: Iterable<[string, Tensor]>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of tensors) out[name] = Array.from(await t.data());
  return out;
}

let dir = '';
beforeAll(async () => {
  await useEngine();
  dir = mkdtempSync(join(tmpdir(), 'pointvis-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training checkpoints', () => {
  it('round trip: model, optimizer, iteration, config and random state, then identical resumed steps', async () => {
    const config = loadConfigFile('configs/mask2former/cpu-tiny.yaml');
    const a = new Net(1);
    const optA = new AdamW(a.parameters(), { lr: 0.01, weightDecay: 0.05 });
    await step(a, optA);
    await step(a, optA);
    const path = join(dir, 'ckpt.safetensors');
    await saveCheckpointFile(path, a, optA, {
      iteration: 2,
      config,
      dataRng: { epoch: 1, order: [3, 1, 2] },
    });
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']); // no temporary left behind

    const b = new Net(99); // different init and dropout seed offsets are overwritten below
    const optB = new AdamW(b.parameters(), { lr: 0.01, weightDecay: 0.05 });
    const ckpt = readCheckpointFile(path);
    expect(ckpt.metadata.format).toBe(CHECKPOINT_FORMAT);
    const restored = await restoreCheckpoint(ckpt, b, optB, path);
    expect(restored.iteration).toBe(2);
    expect(configFromObject(restored.config)).toEqual(config);
    expect(restored.dataRng).toEqual({ epoch: 1, order: [3, 1, 2] });
    expect(randomState(b)).toEqual({ drop: 2 });
    expect(restored.model.loaded).toEqual([...a.stateDict().keys()]);

    expect(await snapshot(b.stateDict())).toEqual(await snapshot(a.stateDict()));
    expect(await tidyAsync(async () => snapshot(optB.stateTensors()))).toEqual(
      await tidyAsync(async () => snapshot(optA.stateTensors())),
    );
    // The non-persistent buffer is neither saved nor loaded.
    expect(ckpt.model.has('attn_mask')).toBe(false);
    expect(
      Array.from(
        await b
          .namedBuffers()
          .find(([n]) => n === 'attn_mask')![1]
          .data(),
      ),
    ).toEqual([1, 2, 3, 4]);

    // Dropout uses each module's own seed, so give b the same one before comparing steps.
    const bSameSeed = new Net(1);
    const optC = new AdamW(bSameSeed.parameters(), { lr: 0.01, weightDecay: 0.05 });
    await restoreCheckpoint(readCheckpointFile(path), bSameSeed, optC);
    const lossA = await step(a, optA);
    const lossC = await step(bSameSeed, optC);
    expect(lossC).toBe(lossA);
    expect(await snapshot(bSameSeed.stateDict())).toEqual(await snapshot(a.stateDict()));
    for (const m of [a, b, bSameSeed]) m.dispose();
    for (const o of [optA, optB, optC]) o.dispose();
  });

  it('the same file loads as plain weights (optimizer state skipped)', async () => {
    const a = new Net(3);
    const path = join(dir, 'weights-only.safetensors');
    await saveCheckpointFile(path, a, null, { iteration: 0, config: null });
    const b = new Net(4);
    const result = loadWeightsFile(path, b);
    expect(result.missingKeys).toEqual([]);
    expect(await snapshot(b.stateDict())).toEqual(await snapshot(a.stateDict()));
    a.dispose();
    b.dispose();
  });

  it('restoring into another model lists every missing, unexpected and mismatched name', async () => {
    const a = new Net(5);
    const bytes = await serializeCheckpoint(a, null, { iteration: 3, config: {} });
    const other = new Net(6, 8); // hidden 8 instead of 6
    let error: StateDictError | null = null;
    try {
      await restoreCheckpoint(parseCheckpoint(bytes, 'a.safetensors'), other, null, 'a.safetensors');
    } catch (err) {
      error = err as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error!.mismatched.map((m) => `${m.name} ${m.expected} ${m.found}`)).toEqual([
      'fc1.weight f32[8,4] f32[6,4]',
      'fc1.bias f32[8] f32[6]',
      'norm.weight f32[8] f32[6]',
      'norm.bias f32[8] f32[6]',
      'fc2.weight f32[3,8] f32[3,6]',
    ]);
    expect(error!.message).toMatch(/^loading a\.safetensors into Net: 5 mismatched/);
    a.dispose();
    other.dispose();
  });

  it('rejects plain weights and bad run state as checkpoints', () => {
    const plain = serializeSafetensors(
      { w: { dtype: 'f32', shape: [1], data: Float32Array.from([1]) } },
      { format: 'pt' },
    );
    expect(() => parseCheckpoint(plain, 'w.safetensors')).toThrow(
      `w.safetensors: format "pt" is not ${CHECKPOINT_FORMAT} (plain weights load with loadWeights)`,
    );
    const badIteration = serializeSafetensors(
      {},
      { format: CHECKPOINT_FORMAT, iteration: '-1', config: '{}', rng: '{"modules":{}}' },
    );
    expect(() => parseCheckpoint(badIteration, 'c')).toThrow("c: iteration '-1' is invalid");
    const badJson = serializeSafetensors(
      {},
      { format: CHECKPOINT_FORMAT, iteration: '1', config: '{', rng: '{"modules":{}}' },
    );
    expect(() => parseCheckpoint(badJson, 'c')).toThrow(/c: metadata 'config' is not valid JSON/);
  });
});
