/**
 * Parity of model/swin with our float64 PyTorch reference (tools/torch_ref/swin.py, written from
 * M2F_SEMANTICS.md §3.1 and checked against the official D2SwinTransformer). Each fixture holds
 * weights under the official names, inputs, outputs, a cotangent and the gradients it gives.
 * Tolerance: |ours − torch| ≤ 1e-4·max|torch| + 1e-4·|torch| elementwise (float32 vs float64).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostTensor,
  type LoadedTensor,
  type Tensor,
  add,
  backward,
  engine,
  mul,
  parseSafetensors,
  sum,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import {
  PatchMerging,
  SwinGeometryCache,
  SwinTransformer,
  SwinTransformerBlock,
  isSwinDerivedBufferName,
  relativePositionIndex,
} from '../../model/swin/index.js';
import { platformName, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

interface Fixture {
  tensors: Map<string, LoadedTensor>;
  config: Record<string, number | number[]>;
}

function loadFixture(name: string): Fixture {
  const bytes = readFileSync(new URL(`../fixtures/parity/${name}`, import.meta.url));
  const { tensors, metadata } = parseSafetensors(new Uint8Array(bytes), name);
  return { tensors, config: JSON.parse(metadata.config!) as Fixture['config'] };
}

function host(f: Fixture, name: string): HostTensor {
  const t = f.tensors.get(name);
  if (!t) throw new Error(`fixture has no tensor '${name}'`);
  return t;
}

function upload(f: Fixture, name: string, requiresGrad = false): Tensor {
  const h = host(f, name);
  const t = tensor(h.data, h.shape, h.dtype);
  t.requiresGrad = requiresGrad;
  return t;
}

/** The weights of a fixture: every tensor but data and gradients, with `prefix` removed. */
function weights(f: Fixture, data: readonly string[], prefix = ''): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of f.tensors) {
    if (data.includes(name) || name.startsWith('grad.') || name.startsWith('cot.')) continue;
    out.set(name.slice(prefix.length), t);
  }
  return out;
}

const TOL = 1e-4;

/** Max |a − e| / max |e|, and an elementwise check with atol = TOL·max|e|, rtol = TOL. */
async function compare(actual: Tensor, expected: HostTensor, what: string): Promise<number> {
  expect(actual.shape, what).toEqual(expected.shape);
  const a = await actual.data();
  const e = expected.data;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]!));
  expect(scale, `${what}: reference is all zero`).toBeGreaterThan(0);
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= TOL * scale + TOL * Math.abs(e[i]!)))
      throw new Error(`${what}: element ${i}: ${a[i]} vs ${e[i]}`);
    worst = Math.max(worst, err);
  }
  return worst / scale;
}

/** Largest relative error of each check, printed at the end (the figures in the report). */
const figures: string[] = [];

async function checkAll(pairs: [Tensor, string][], f: Fixture, label: string): Promise<void> {
  const errs: string[] = [];
  for (const [t, name] of pairs)
    errs.push(`${name} ${(await compare(t, host(f, name), `${label} ${name}`)).toExponential(1)}`);
  figures.push(`${label}: ${errs.join(', ')}`);
}

describe(`Swin parity with PyTorch (${platformName})`, () => {
  afterAll(() => {
    console.log(`max |ours − torch| / max |torch|:\n  ${figures.join('\n  ')}`);
  });

  for (const name of ['swin-block-plain', 'swin-block-shifted', 'swin-block-window4']) {
    it(`${name}: block forward and gradients (input and every parameter)`, async () => {
      const f = loadFixture(`${name}.safetensors`);
      const c = f.config as Record<string, number>;
      const block = new SwinTransformerBlock({
        dim: c.dim!,
        numHeads: c.numHeads!,
        windowSize: c.windowSize!,
        shift: c.shift!,
        mlpRatio: 4,
        qkvBias: true,
        qkScale: null,
        dropRate: 0,
        dropPath: 0,
        seed: 1,
      });
      const state = weights(f, ['x', 'y', 'dy']);
      // The official buffer, derived here: same values, not loaded.
      expect(Array.from(host(f, 'attn.relative_position_index').data)).toEqual(
        Array.from(relativePositionIndex(c.windowSize!)),
      );
      block.loadStateDict(state, { ignore: isSwinDerivedBufferName, source: name });
      const cache = new SwinGeometryCache();
      await tidyAsync(async () => {
        const x = upload(f, 'x', true);
        const before = engine().stream.dispatches;
        const y = block.forward(x, cache.window(c.H!, c.W!, c.windowSize!, c.shift!));
        const forwardDispatches = engine().stream.dispatches - before;
        backward(y, upload(f, 'dy'));
        const backwardDispatches = engine().stream.dispatches - before - forwardDispatches;
        figures.push(`${name}: ${forwardDispatches} dispatches forward, ${backwardDispatches} backward`);
        const pairs: [Tensor, string][] = [
          [y, 'y'],
          [x.grad!, 'grad.x'],
        ];
        for (const [pname, p] of block.namedParameters()) pairs.push([p.grad!, `grad.${pname}`]);
        await checkAll(pairs, f, name);
      });
      cache.dispose();
      block.dispose();
    });
  }

  it('swin-merging: PatchMerging with odd H and W, forward and gradients', async () => {
    const f = loadFixture('swin-merging.safetensors');
    const c = f.config as Record<string, number>;
    const merging = new PatchMerging(c.dim!, { seed: 2 });
    merging.loadStateDict(weights(f, ['x', 'y', 'dy']), { source: 'swin-merging' });
    const cache = new SwinGeometryCache();
    await tidyAsync(async () => {
      const x = upload(f, 'x', true);
      const y = merging.forward(x, c.H!, c.W!, cache.merging(c.H!, c.W!));
      backward(y, upload(f, 'dy'));
      const pairs: [Tensor, string][] = [
        [y, 'y'],
        [x.grad!, 'grad.x'],
      ];
      for (const [pname, p] of merging.namedParameters()) pairs.push([p.grad!, `grad.${pname}`]);
      await checkAll(pairs, f, 'swin-merging');
    });
    cache.dispose();
    merging.dispose();
  });

  it('swin-backbone: whole tiny backbone, res2..res5 and gradients of selected parameters and the image', async () => {
    const f = loadFixture('swin-backbone.safetensors');
    const c = f.config as { embedDim: number; depths: number[]; numHeads: number[]; windowSize: number };
    const model = new SwinTransformer({
      embedDim: c.embedDim,
      depths: c.depths,
      numHeads: c.numHeads,
      windowSize: c.windowSize,
      seed: 3,
    });
    const outputs = ['res2', 'res3', 'res4', 'res5'] as const;
    const state = weights(f, ['image', ...outputs], 'backbone.');
    const result = model.loadStateDict(state, { ignore: isSwinDerivedBufferName, source: 'swin-backbone' });
    expect(result.loaded.length).toBe(model.namedParameters().length);
    model.eval();
    await tidyAsync(async () => {
      const image = upload(f, 'image', true);
      const features = model.forward(image);
      let total: Tensor | null = null;
      for (const n of outputs) {
        const term = sum(mul(features[n]!, upload(f, `cot.${n}`)));
        total = total ? add(total, term) : term;
      }
      backward(total!);
      const params = new Map(model.namedParameters());
      const pairs: [Tensor, string][] = outputs.map((n) => [features[n]!, n]);
      pairs.push([image.grad!, 'grad.image']);
      for (const name of f.tensors.keys()) {
        if (!name.startsWith('grad.') || name === 'grad.image') continue;
        const p = params.get(name.slice(5));
        if (!p) throw new Error(`no parameter ${name.slice(5)}`);
        pairs.push([p.grad!, name]);
      }
      await checkAll(pairs, f, 'swin-backbone');
    });
    model.dispose();
  });
});
