import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { zeros } from '../../engine/index.js';
import { LayerNorm, Linear, Module } from '../../model/nn/index.js';
import { assignParameters, buildParamGroups, train } from '../../pointvis/train/index.js';
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

const SOLVER = { weightDecay: 0.5, weightDecayNorm: 0, weightDecayEmbed: 0.2, backboneMultiplier: 0.5 };

/** Swin-like names: a bias table inside the backbone, a LayerNorm, a Linear head outside it. */
class SwinLike extends Module {
  constructor() {
    super();
    this.registerModule('backbone', new SwinLikeBlock());
    this.registerModule('head', new Linear(2, 2, { seed: 1 }));
  }
}
class SwinLikeBlock extends Module {
  constructor() {
    super();
    this.registerParameter('relative_position_bias_table', zeros([3, 1]));
    this.registerModule('norm1', new LayerNorm(2));
  }
}

describe('parameter groups (Mask2Former build_optimizer)', () => {
  it('applies the backbone multiplier and the norm / embedding weight decays by module', () => {
    const table = (m: Module) =>
      Object.fromEntries(
        assignParameters(m, SOLVER).map((a) => [a.name, [a.lrMultiplier, a.weightDecay, a.rule]]),
      );
    const tiny = new TinyMaskNet(1);
    expect(table(tiny)).toEqual({
      'backbone.weight': [0.5, 0.5, 'default'],
      'backbone.bias': [0.5, 0.5, 'default'],
      'norm.weight': [1, 0, 'norm'],
      'norm.bias': [1, 0, 'norm'],
      'class_embed.weight': [1, 0.2, 'embedding'],
      'head.weight': [1, 0.5, 'default'],
      'head.bias': [1, 0.5, 'default'],
    });
    expect(
      buildParamGroups(tiny, SOLVER).map((g) => [g.lrMultiplier, g.weightDecay, g.names.length]),
    ).toEqual([
      [0.5, 0.5, 2],
      [1, 0, 2],
      [1, 0.2, 1],
      [1, 0.5, 2],
    ]);
    tiny.dispose();
    const swin = new SwinLike();
    expect(table(swin)).toEqual({
      'backbone.relative_position_bias_table': [0.5, 0.2, 'embedding'],
      'backbone.norm1.weight': [0.5, 0, 'norm'],
      'backbone.norm1.bias': [0.5, 0, 'norm'],
      'head.weight': [1, 0.5, 'default'],
      'head.bias': [1, 0.5, 'default'],
    });
    swin.dispose();
  });

  it('one AdamW step moves each parameter by its group lr, after its group weight decay', async () => {
    // Adam's first step is lr·g/(|g| + eps) ≈ lr·sign(g) after the decoupled decay p·(1 − lr·wd),
    // so |p1 − p0·(1 − lr·wd)| = lr for every element with a gradient: this reads each group's
    // effective lr and weight decay off the weights alone.
    const model = new TinyMaskNet(2);
    const before = await parameterValues(model);
    const baseLr = 0.01;
    const config = tinyConfig({
      ...SOLVER,
      baseLr,
      maxIter: 1,
      steps: '[]',
      'warmup.factor': 1,
      imsPerBatch: 2,
    });
    await train({
      config,
      task: new TinyTask(model),
      data: openStream(makeDataset(4, 3), 2, 5),
      outDir: mkdtempSync(join(tmpdir(), 'pointvis-groups-')),
    });
    const after = await parameterValues(model);
    const expected = Object.fromEntries(assignParameters(model, SOLVER).map((a) => [a.name, a]));
    model.dispose();
    for (const [name, p0] of before) {
      const lr = baseLr * expected[name]!.lrMultiplier;
      const decay = 1 - lr * expected[name]!.weightDecay;
      const steps = Array.from(p0, (v, i) => Math.abs(after.get(name)![i]! - v * decay));
      const atLr = steps.filter((d) => Math.abs(d - lr) < 2e-6).length;
      expect(Math.max(...steps), name).toBeLessThanOrEqual(lr + 2e-6);
      expect(atLr / steps.length, name).toBeGreaterThanOrEqual(0.75);
    }
  });
});
