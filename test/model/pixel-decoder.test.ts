/**
 * MSDeformAttnPixelDecoder pieces checked against hand-derived values: the sine position
 * embedding, reference points, the official sampling-offset grid, the parameter names and
 * shapes of a checkpoint, the official init, and a forward with the default GroupNorm(32).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, type Tensor, randn, tidyAsync } from '../../engine/index.js';
import type { FeatureName, PixelDecoderConfig } from '../../model/config/types.js';
import {
  MSDeformAttnPixelDecoder,
  pixelDecoderFromConfig,
  referencePointData,
  samplingOffsetGrid,
  sinePositionEmbedding,
} from '../../model/mask2former/pixel-decoder/index.js';
import { expectClose, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

describe('sinePositionEmbedding', () => {
  // h = 2, w = 3, 4 features per axis: y_e = π, 2π; x_e = 2π/3, 4π/3, 2π; periods 1, 1, 100, 100.
  const { PI, sin, cos, sqrt } = Math;
  const expected = [
    [0, 0, 0, 0, 0, 0], // y, sin, T=1
    [-1, -1, -1, 1, 1, 1], // y, cos, T=1
    [sin(PI / 100), sin(PI / 100), sin(PI / 100), sin(PI / 50), sin(PI / 50), sin(PI / 50)],
    [cos(PI / 100), cos(PI / 100), cos(PI / 100), cos(PI / 50), cos(PI / 50), cos(PI / 50)],
    [sqrt(3) / 2, -sqrt(3) / 2, 0, sqrt(3) / 2, -sqrt(3) / 2, 0], // x, sin, T=1
    [-0.5, -0.5, 1, -0.5, -0.5, 1],
    [sin(PI / 150), sin(PI / 75), sin(PI / 50), sin(PI / 150), sin(PI / 75), sin(PI / 50)],
    [cos(PI / 150), cos(PI / 75), cos(PI / 50), cos(PI / 150), cos(PI / 75), cos(PI / 50)],
  ];

  it('puts the y half first, sin/cos interleaved, normalised to 2π at the last row/column', () => {
    expectClose(sinePositionEmbedding(2, 3, 4), expected.flat(), { atol: 2e-5, rtol: 0 });
  });

  it('tokens-first is the same embedding as [h·w, C]', () => {
    const tokens = sinePositionEmbedding(2, 3, 4, 'tokens-first');
    const transposed = Array.from({ length: 6 }, (_, t) => expected.map((row) => row[t]!)).flat();
    expectClose(tokens, transposed, { atol: 2e-5, rtol: 0 });
  });
});

describe('reference points and offsets', () => {
  it('gives pixel centres as normalised (x, y), level-major', () => {
    const expected = [0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75, 1 / 6, 0.5, 0.5, 0.5, 5 / 6, 0.5];
    expectClose(
      referencePointData([
        [2, 2],
        [1, 3],
      ]),
      expected,
      { atol: 1e-7, rtol: 0 },
    );
  });

  it('builds the official sampling-offset grid, indexed ((h·L + l)·P + p)·2 + c', () => {
    const perLevel = [
      [1, 0, 2, 0], // θ = 0
      [0, 1, 0, 2], // θ = π/2
      [-1, 0, -2, 0], // θ = π
      [0, -1, 0, -2], // θ = 3π/2
    ];
    const expected = perLevel.flatMap((head) => [...head, ...head]); // 2 levels
    expectClose(samplingOffsetGrid(4, 2, 2), expected, { atol: 1e-6, rtol: 0 });
    // 8 heads: θ = π/4 is scaled so the larger component is p+1.
    expectClose(samplingOffsetGrid(8, 1, 2).slice(4, 8), [1, 1, 2, 2], { atol: 1e-6, rtol: 0 });
  });
});

const TINY: PixelDecoderConfig = {
  inFeatures: ['res2', 'res3', 'res4', 'res5'],
  transformerInFeatures: ['res3', 'res4', 'res5'],
  convDim: 64,
  maskDim: 48,
  groupNormGroups: 32,
  commonStride: 4,
  encoder: { layers: 1, heads: 4, points: 4, ffnDim: 128, dropout: 0 },
};
const SHAPES = {
  res2: { channels: 16, stride: 4 },
  res3: { channels: 32, stride: 8 },
  res4: { channels: 64, stride: 16 },
  res5: { channels: 128, stride: 32 },
};

/** The official state-dict entries of this config, written out by hand. */
function officialShapes(): Record<string, number[]> {
  const c = 64;
  const out: Record<string, number[]> = {};
  [128, 64, 32].forEach((cin, l) => {
    out[`input_proj.${l}.0.weight`] = [c, cin, 1, 1];
    out[`input_proj.${l}.0.bias`] = [c];
    out[`input_proj.${l}.1.weight`] = [c];
    out[`input_proj.${l}.1.bias`] = [c];
  });
  out['transformer.level_embed'] = [3, c];
  const p = 'transformer.encoder.layers.0.';
  out[`${p}self_attn.sampling_offsets.weight`] = [96, c];
  out[`${p}self_attn.sampling_offsets.bias`] = [96];
  out[`${p}self_attn.attention_weights.weight`] = [48, c];
  out[`${p}self_attn.attention_weights.bias`] = [48];
  for (const n of ['value_proj', 'output_proj']) {
    out[`${p}self_attn.${n}.weight`] = [c, c];
    out[`${p}self_attn.${n}.bias`] = [c];
  }
  for (const n of ['norm1', 'norm2']) {
    out[`${p}${n}.weight`] = [c];
    out[`${p}${n}.bias`] = [c];
  }
  out[`${p}linear1.weight`] = [128, c];
  out[`${p}linear1.bias`] = [128];
  out[`${p}linear2.weight`] = [c, 128];
  out[`${p}linear2.bias`] = [c];
  out['adapter_1.weight'] = [c, 16, 1, 1];
  out['adapter_1.norm.weight'] = [c];
  out['adapter_1.norm.bias'] = [c];
  out['layer_1.weight'] = [c, c, 3, 3];
  out['layer_1.norm.weight'] = [c];
  out['layer_1.norm.bias'] = [c];
  out['mask_features.weight'] = [48, c, 1, 1];
  out['mask_features.bias'] = [48];
  return out;
}

async function values(decoder: MSDeformAttnPixelDecoder, name: string): Promise<number[]> {
  const t = decoder.stateDict().get(name);
  if (!t) throw new Error(`no ${name}`);
  return Array.from(await t.data());
}

describe('MSDeformAttnPixelDecoder from a config', () => {
  it('has exactly the official parameter names and shapes', () => {
    const decoder = pixelDecoderFromConfig(TINY, SHAPES, 1);
    const ours = Object.fromEntries([...decoder.stateDict()].map(([k, t]) => [k, [...t.shape]]));
    expect(ours).toEqual(officialShapes());
    decoder.dispose();
  });

  it('initialises like the official code, deterministically from the seed', async () => {
    const a = pixelDecoderFromConfig(TINY, SHAPES, 1);
    const b = pixelDecoderFromConfig(TINY, SHAPES, 1);
    const other = pixelDecoderFromConfig(TINY, SHAPES, 2);
    const p = 'transformer.encoder.layers.0.self_attn.';
    expect(new Set(await values(a, `${p}sampling_offsets.weight`))).toEqual(new Set([0]));
    expectClose((await values(a, `${p}sampling_offsets.bias`)).slice(0, 8), [1, 0, 2, 0, 3, 0, 4, 0], {
      atol: 1e-6,
      rtol: 0,
    });
    expect(new Set(await values(a, `${p}attention_weights.weight`))).toEqual(new Set([0]));
    expect(new Set(await values(a, `${p}attention_weights.bias`))).toEqual(new Set([0]));
    expect(new Set(await values(a, `${p}value_proj.bias`))).toEqual(new Set([0]));
    expect(new Set(await values(a, 'input_proj.0.0.bias'))).toEqual(new Set([0]));
    expect(new Set(await values(a, 'layer_1.norm.weight'))).toEqual(new Set([1]));
    const xavier = await values(a, 'input_proj.0.0.weight');
    expect(Math.max(...xavier.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (128 + 64)));
    expect(Math.max(...xavier.map(Math.abs))).toBeGreaterThan(0.8 * Math.sqrt(6 / (128 + 64)));
    const kaiming = await values(a, 'layer_1.weight');
    expect(Math.max(...kaiming.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / (64 * 9)));
    const level = await values(a, 'transformer.level_embed');
    const std = Math.sqrt(level.reduce((s, v) => s + v * v, 0) / level.length);
    expect(std).toBeGreaterThan(0.8);
    expect(std).toBeLessThan(1.2);
    expect(await values(b, 'layer_1.weight')).toEqual(kaiming);
    expect(await values(b, 'transformer.level_embed')).toEqual(level);
    expect(await values(other, 'layer_1.weight')).not.toEqual(kaiming);
    for (const d of [a, b, other]) d.dispose();
  });

  it('runs with GroupNorm(32) and returns stride-4 mask features and the encoder maps', async () => {
    const decoder = pixelDecoderFromConfig(TINY, SHAPES, 3).eval();
    await tidyAsync(async () => {
      // a 32×48 image: res2 8×12 … res5 1×2
      const sizes: Record<FeatureName, [number, number]> = {
        res2: [8, 12],
        res3: [4, 6],
        res4: [2, 3],
        res5: [1, 2],
      };
      const features: Partial<Record<FeatureName, Tensor>> = {};
      (Object.keys(sizes) as FeatureName[]).forEach((f, i) => {
        features[f] = randn([2, SHAPES[f].channels, ...sizes[f]], { seed: 10 + i });
      });
      const { maskFeatures, multiScaleFeatures } = decoder.forward(features);
      expect(maskFeatures.shape).toEqual([2, 48, 8, 12]);
      expect(multiScaleFeatures.map((t) => t.shape)).toEqual([
        [2, 64, 1, 2],
        [2, 64, 2, 3],
        [2, 64, 4, 6],
      ]);
      for (const t of [maskFeatures, ...multiScaleFeatures]) {
        expect(Array.from(await t.data()).every(Number.isFinite)).toBe(true);
      }
      // post-norm encoder output: every token is LayerNorm'd (weight 1, bias 0 at init)
      const tokens = Array.from(await multiScaleFeatures[2]!.data());
      const mean = tokens.reduce((s, v) => s + v, 0) / tokens.length;
      expect(Math.abs(mean)).toBeLessThan(1e-4);
    });
    decoder.dispose();
  });

  it('refuses group counts that do not divide convDim, and missing features', () => {
    expect(() => pixelDecoderFromConfig({ ...TINY, groupNormGroups: 24 }, SHAPES, 1)).toThrow(ShapeError);
    const decoder = new MSDeformAttnPixelDecoder({
      inputShape: SHAPES,
      inFeatures: TINY.inFeatures,
      transformerInFeatures: TINY.transformerInFeatures,
      convDim: 32,
      maskDim: 32,
      encoder: { layers: 1, heads: 4, points: 1, ffnDim: 32 },
      seed: 0,
    });
    expect(decoder.inputProj[0]!.norm.groups).toBe(32); // the official hard-coded default
    expect(() => decoder.forward({})).toThrow(/res5 missing/);
    decoder.dispose();
  });
});
