/**
 * The Swin backbone as a module: official parameter names and shapes, selected outputs, drop
 * path in training only, config mapping, option checks, and the geometry cache's ownership.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randn, tidyAsync } from '../../engine/index.js';
import type { SwinConfig } from '../../model/config/types.js';
import {
  SWIN_MICRO,
  SwinGeometryCache,
  SwinTransformer,
  dropPathRates,
  isSwinDerivedBufferName,
  resolveSwinOptions,
  swinOptionsFromConfig,
  windowPartitionIndex,
} from '../../model/swin/index.js';
import { useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

/** Every parameter name and shape of D2SwinTransformer, listed from the official structure. */
function officialNames(
  embed: number,
  depths: number[],
  heads: number[],
  ws: number,
  outs: number[],
): Map<string, number[]> {
  const m = new Map<string, number[]>();
  m.set('patch_embed.proj.weight', [embed, 3, 4, 4]);
  m.set('patch_embed.proj.bias', [embed]);
  m.set('patch_embed.norm.weight', [embed]);
  m.set('patch_embed.norm.bias', [embed]);
  depths.forEach((depth, i) => {
    const c = embed * 2 ** i;
    for (let j = 0; j < depth; j++) {
      const b = `layers.${i}.blocks.${j}.`;
      m.set(`${b}norm1.weight`, [c]);
      m.set(`${b}norm1.bias`, [c]);
      m.set(`${b}attn.relative_position_bias_table`, [(2 * ws - 1) ** 2, heads[i]!]);
      m.set(`${b}attn.qkv.weight`, [3 * c, c]);
      m.set(`${b}attn.qkv.bias`, [3 * c]);
      m.set(`${b}attn.proj.weight`, [c, c]);
      m.set(`${b}attn.proj.bias`, [c]);
      m.set(`${b}norm2.weight`, [c]);
      m.set(`${b}norm2.bias`, [c]);
      m.set(`${b}mlp.fc1.weight`, [4 * c, c]);
      m.set(`${b}mlp.fc1.bias`, [4 * c]);
      m.set(`${b}mlp.fc2.weight`, [c, 4 * c]);
      m.set(`${b}mlp.fc2.bias`, [c]);
    }
    if (i + 1 < depths.length) {
      m.set(`layers.${i}.downsample.reduction.weight`, [2 * c, 4 * c]);
      m.set(`layers.${i}.downsample.norm.weight`, [4 * c]);
      m.set(`layers.${i}.downsample.norm.bias`, [4 * c]);
    }
  });
  for (const i of outs) {
    m.set(`norm${i}.weight`, [embed * 2 ** i]);
    m.set(`norm${i}.bias`, [embed * 2 ** i]);
  }
  return m;
}

describe('Swin backbone module', () => {
  it('has exactly the official parameter names and shapes; derived buffers are not in the state dict', () => {
    const model = new SwinTransformer({
      embedDim: 16,
      depths: [2, 2, 6, 2],
      numHeads: [1, 2, 4, 8],
      windowSize: 7,
      seed: 0,
    });
    const expected = officialNames(16, [2, 2, 6, 2], [1, 2, 4, 8], 7, [0, 1, 2, 3]);
    const actual = new Map(model.namedParameters().map(([n, p]) => [n, p.shape]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [n, shape] of expected) expect(actual.get(n), n).toEqual(shape);
    expect([...model.stateDict().keys()].sort()).toEqual([...expected.keys()].sort());
    const buffers = model.namedBuffers().map(([n]) => n);
    expect(buffers).toContain('layers.2.blocks.5.attn.relative_position_index');
    expect(buffers.every(isSwinDerivedBufferName)).toBe(true);
    expect(isSwinDerivedBufferName('backbone.layers.0.blocks.0.attn.relative_position_bias_table')).toBe(
      false,
    );
    model.dispose();
  });

  it('returns only the requested outputs, NCHW with C·2^i channels, and norms only for them', async () => {
    const model = new SwinTransformer({ ...SWIN_MICRO, outIndices: [1, 3], seed: 1 });
    const names = model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => /^norm\d/.test(n)).sort()).toEqual([
      'norm1.bias',
      'norm1.weight',
      'norm3.bias',
      'norm3.weight',
    ]);
    expect(model.outputShapes()).toEqual({
      res3: { channels: 16, stride: 8 },
      res5: { channels: 64, stride: 32 },
    });
    await tidyAsync(async () => {
      // 61×90 → patches 16×23 (padded), then 8×12, 4×6, 2×3.
      const f = model.eval().forward(randn([1, 3, 61, 90], { seed: 2 }));
      expect(Object.keys(f).sort()).toEqual(['res3', 'res5']);
      expect(f.res3!.shape).toEqual([1, 16, 8, 12]);
      expect(f.res5!.shape).toEqual([1, 64, 2, 3]);
      const v = await f.res5!.data();
      expect(v.every(Number.isFinite)).toBe(true);
    });
    model.dispose();
  });

  it('drop path acts in training only; in eval the model equals one without it', async () => {
    const arch = { embedDim: 8, depths: [2, 2], numHeads: [1, 2], windowSize: 7, outIndices: [1] };
    const dropping = new SwinTransformer({ ...arch, dropPathRate: 0.5, seed: 4 });
    const plain = new SwinTransformer({ ...arch, seed: 4 });
    await tidyAsync(async () => {
      const x = randn([4, 3, 32, 32], { seed: 3 });
      const a = await dropping.train().forward(x).res3!.data();
      const b = await dropping.forward(x).res3!.data();
      expect(Array.from(a)).not.toEqual(Array.from(b)); // a fresh mask per call
      const evalOut = await dropping.eval().forward(x).res3!.data();
      const plainOut = await plain.eval().forward(x).res3!.data();
      expect(Array.from(evalOut)).toEqual(Array.from(plainOut));
      expect(Array.from(a)).not.toEqual(Array.from(evalOut));
    });
    dropping.dispose();
    plain.dispose();
  });

  it('drop-path rates rise linearly over all blocks (torch.linspace(0, rate, n))', () => {
    const r = dropPathRates([2, 2, 6, 2], 0.3);
    expect(r.map((s) => s.length)).toEqual([2, 2, 6, 2]);
    const flat = r.flat();
    expect(flat[0]).toBe(0);
    expect(flat[11]).toBeCloseTo(0.3, 12);
    flat.forEach((v, k) => expect(v).toBeCloseTo((0.3 * k) / 11, 12));
    expect(dropPathRates([1], 0.3)).toEqual([[0]]);
  });

  it('maps the model.swin config section and rejects what it cannot compute', () => {
    const cfg: SwinConfig = {
      pretrainImageSize: 384,
      patchSize: 4,
      embedDim: 192,
      depths: [2, 2, 18, 2],
      numHeads: [6, 12, 24, 48],
      windowSize: 12,
      mlpRatio: 4,
      qkvBias: true,
      qkScale: null,
      dropRate: 0,
      attnDropRate: 0,
      dropPathRate: 0.3,
      absolutePositionEmbedding: false,
      patchNorm: true,
      outFeatures: ['res2', 'res3', 'res4', 'res5'],
    };
    const o = swinOptionsFromConfig(cfg, 7);
    expect(o).toMatchObject({
      embedDim: 192,
      windowSize: 12,
      dropPathRate: 0.3,
      outIndices: [0, 1, 2, 3],
      seed: 7,
    });
    expect(swinOptionsFromConfig({ ...cfg, outFeatures: ['res3', 'res5'] }, 0).outIndices).toEqual([1, 3]);
    expect(() => swinOptionsFromConfig({ ...cfg, absolutePositionEmbedding: true }, 0)).toThrow(
      /absolutePositionEmbedding/,
    );
    expect(() => resolveSwinOptions({ ...swinOptionsFromConfig(cfg, 0), attnDropRate: 0.1 })).toThrow(
      /attnDropRate/,
    );
    expect(() => resolveSwinOptions({ ...SWIN_MICRO, numHeads: [3, 1, 2, 2], seed: 0 })).toThrow(
      /heads do not divide/,
    );
    expect(() => resolveSwinOptions({ ...SWIN_MICRO, outIndices: [4], seed: 0 })).toThrow(/outIndices/);
  });

  it('geometry cache: bounded, and a geometry in use survives the eviction of its entries', async () => {
    const cache = new SwinGeometryCache(2);
    await tidyAsync(async () => {
      const g = cache.window(3, 4, 7, 3); // partition, reverse, mask: the first is evicted at once
      cache.window(5, 5, 7, 0);
      cache.merging(9, 9);
      expect(cache.size).toBe(2);
      expect(Array.from(await g.partition.data())).toEqual(Array.from(windowPartitionIndex(3, 4, 7, 3)));
      expect(g.mask!.shape).toEqual([1, 1, 49, 49]);
    });
    cache.dispose();
    expect(cache.size).toBe(0);
  });
});
