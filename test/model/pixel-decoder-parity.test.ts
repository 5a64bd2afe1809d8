/**
 * Parity of MSDeformAttnPixelDecoder with our PyTorch reference (tools/torch_ref/pixel_decoder.py,
 * float64): a tiny config (conv_dim 32, 8 GroupNorm groups, 2 layers, 4 heads, 2 points,
 * 3 levels, batch 2, non-square maps) loaded by its official names; forward outputs and the
 * gradients of sum(cotangent · outputs) w.r.t. the inputs and some parameters.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type LoadedTensor,
  type Tensor,
  add,
  backward,
  mul,
  parameter,
  parseSafetensors,
  sum,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import type { FeatureName } from '../../model/config/types.js';
import { MSDeformAttnPixelDecoder } from '../../model/mask2former/pixel-decoder/index.js';
import { Module } from '../../model/nn/index.js';
import { useEngine } from '../util/engine.js';

const PREFIX = 'sem_seg_head.pixel_decoder.';
const FIXTURE = new URL('../fixtures/parity/pixel_decoder.safetensors', import.meta.url);

/**
 * Tolerances against the float64 reference: |ours − ref| ≤ ATOL + RTOL·|ref|. The outputs pass
 * through 2 post-norm encoder layers and 4 GroupNorms in float32.
 */
const FORWARD_TOL = { atol: 2e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

interface FixtureConfig {
  batch: number;
  features: Record<FeatureName, [number, number, number]>;
  transformer_in_features: FeatureName[];
  conv_dim: number;
  mask_dim: number;
  groups: number;
  layers: number;
  heads: number;
  points: number;
  ffn_dim: number;
}

/** The decoder under its official path (`sem_seg_head.pixel_decoder.*`), as a full model holds it. */
class Root extends Module {
  constructor(decoder: MSDeformAttnPixelDecoder) {
    super();
    const head = new (class extends Module {
      constructor() {
        super();
        this.registerModule('pixel_decoder', decoder);
      }
    })();
    this.registerModule('sem_seg_head', head);
  }
}

function worst(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { atol: number; rtol: number }) {
  let maxAbs = 0;
  let maxExcess = -Infinity;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    maxExcess = Math.max(
      maxExcess,
      Number.isNaN(d) ? Infinity : d - tol.atol - tol.rtol * Math.abs(expected[i]!),
    );
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return { maxAbs, scale, ok: actual.length === expected.length && maxExcess <= 0 };
}

let contents: Map<string, LoadedTensor>;
let cfg: FixtureConfig;
let gradParams: string[];

beforeAll(async () => {
  await useEngine();
  const parsed = parseSafetensors(new Uint8Array(readFileSync(FIXTURE)), 'pixel_decoder.safetensors');
  contents = parsed.tensors;
  cfg = JSON.parse(parsed.metadata.config!) as FixtureConfig;
  gradParams = JSON.parse(parsed.metadata.grad_params!) as string[];
});

function fixture(name: string): LoadedTensor {
  const t = contents.get(name);
  if (!t) throw new Error(`fixture has no ${name}`);
  return t;
}

function buildDecoder(): MSDeformAttnPixelDecoder {
  const strides: Record<FeatureName, number> = { res2: 4, res3: 8, res4: 16, res5: 32 };
  const names = Object.keys(cfg.features) as FeatureName[];
  return new MSDeformAttnPixelDecoder({
    inputShape: Object.fromEntries(
      names.map((f) => [f, { channels: cfg.features[f][0], stride: strides[f] }]),
    ),
    inFeatures: names,
    transformerInFeatures: cfg.transformer_in_features,
    convDim: cfg.conv_dim,
    maskDim: cfg.mask_dim,
    groupNormGroups: cfg.groups,
    encoder: { layers: cfg.layers, heads: cfg.heads, points: cfg.points, ffnDim: cfg.ffn_dim },
    seed: 7,
  }).eval();
}

describe('MSDeformAttnPixelDecoder parity with the PyTorch reference', () => {
  it('loads the official names, matches the outputs and the gradients', async () => {
    const decoder = buildDecoder();
    const root = new Root(decoder);
    const weights = new Map([...contents].filter(([k]) => k.startsWith(PREFIX)));
    // strict: every parameter of the module has a fixture value and vice versa
    const result = root.loadStateDict(weights, { source: 'pixel_decoder.safetensors' });
    expect(result.loaded.length).toBe(weights.size);

    const report: string[] = [];
    const failures: string[] = [];
    const compare = (
      name: string,
      actual: ArrayLike<number>,
      expected: LoadedTensor,
      tol: { atol: number; rtol: number },
    ) => {
      const w = worst(actual, expected.data, tol);
      report.push(`${name}: max |diff| ${w.maxAbs.toExponential(2)} (max |ref| ${w.scale.toFixed(2)})`);
      if (!w.ok) failures.push(name);
    };

    await tidyAsync(async () => {
      const features: Partial<Record<FeatureName, Tensor>> = {};
      for (const f of Object.keys(cfg.features) as FeatureName[]) {
        const host = fixture(`input.${f}`);
        features[f] = parameter(tensor(host.data, host.shape));
      }
      const { maskFeatures, multiScaleFeatures } = decoder.forward(features);
      expect(maskFeatures.shape).toEqual(fixture('output.mask_features').shape);
      expect(multiScaleFeatures.length).toBe(3);
      const outputs: [string, Tensor][] = [
        ['mask_features', maskFeatures],
        ...multiScaleFeatures.map((t, l): [string, Tensor] => [`multi_scale.${l}`, t]),
      ];
      let loss: Tensor | null = null;
      for (const [name, out] of outputs) {
        const ref = fixture(`output.${name}`);
        expect(out.shape).toEqual(ref.shape);
        compare(name, await out.data(), ref, FORWARD_TOL);
        const cot = fixture(`cotangent.${name}`);
        const term = sum(mul(out, tensor(cot.data, cot.shape)));
        loss = loss ? add(loss, term) : term;
      }
      backward(loss!);
      for (const f of Object.keys(cfg.features) as FeatureName[]) {
        compare(`grad ${f}`, await features[f]!.grad!.data(), fixture(`grad.input.${f}`), GRAD_TOL);
      }
      const params = root.stateDict();
      for (const name of gradParams) {
        const p = params.get(PREFIX + name)!;
        compare(`grad ${name}`, await p.grad!.data(), fixture(`grad.${PREFIX}${name}`), GRAD_TOL);
      }
      for (const f of Object.values(features)) f.grad?.dispose();
    });
    console.log(report.join('\n'));
    root.dispose();
    expect(failures).toEqual([]);
  });
});
