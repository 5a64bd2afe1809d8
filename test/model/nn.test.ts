import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HostTensor,
  type Tensor,
  backward,
  mul,
  ones,
  sum,
  tensor,
  tidy,
  tidyAsync,
  zeros,
} from '../../engine/index.js';
import {
  Conv2d,
  Dropout,
  DropPath,
  Embedding,
  GroupNorm,
  LayerNorm,
  Linear,
  Mlp,
  Module,
  ModuleList,
  Sequential,
  StateDictError,
  deriveSeed,
  randomState,
  setRandomState,
} from '../../model/nn/index.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

/** A module the tests assemble freely. */
class Tree extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.registerModule(name, m);
  }
  param(name: string, t: Tensor): Tensor {
    return this.registerParameter(name, t);
  }
  buffer(name: string, t: Tensor, persistent = true): Tensor {
    return this.registerBuffer(name, t, { persistent });
  }
}

function host(data: number[], shape: number[]): HostTensor {
  return { dtype: 'f32', shape, data: Float32Array.from(data) };
}

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / v.length };
}

/** Normalises each consecutive run of `n` values (float64), then applies a per-index affine. */
function normalizeRuns(x: number[], n: number, eps: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < x.length; s += n) {
    const run = x.slice(s, s + n);
    const mu = run.reduce((a, b) => a + b, 0) / n;
    const variance = run.reduce((a, b) => a + (b - mu) ** 2, 0) / n;
    for (const v of run) out.push((v - mu) / Math.sqrt(variance + eps));
  }
  return out;
}

describe(`nn module init (${platformName})`, () => {
  it('Conv2d: torch default bounds ±1/sqrt(fan_in), seeded and reproducible', async () => {
    await tidyAsync(async () => {
      const conv = new Conv2d(4, 6, 3, { seed: 11 });
      const grouped = new Conv2d(4, 6, 3, { seed: 11, groups: 2, bias: false });
      expect(conv.weight.shape).toEqual([6, 4, 3, 3]);
      expect(grouped.weight.shape).toEqual([6, 2, 3, 3]);
      expect(grouped.bias).toBeNull();
      const w = await conv.weight.data();
      const b = await conv.bias!.data();
      const bound = 1 / Math.sqrt(4 * 9);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Uniform on ±bound: variance bound²/3 (216 samples: within 25%).
      const m = moments(w);
      expect(Math.abs(m.mean)).toBeLessThan(0.2 * bound);
      expect(m.variance / ((bound * bound) / 3)).toBeGreaterThan(0.75);
      expect(m.variance / ((bound * bound) / 3)).toBeLessThan(1.25);
      const gw = await grouped.weight.data();
      expect(Math.max(...gw.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(2 * 9));
      expect(Math.max(...gw.map(Math.abs))).toBeGreaterThan(1 / Math.sqrt(4 * 9)); // the wider bound is used
      expect(Array.from(await new Conv2d(4, 6, 3, { seed: 11 }).weight.data())).toEqual(Array.from(w));
      expect(Array.from(await new Conv2d(4, 6, 3, { seed: 12 }).weight.data())).not.toEqual(Array.from(w));
      for (const m of [conv, grouped]) m.dispose();
    });
  });

  it('Embedding N(0,1), norms ones/zeros', async () => {
    await tidyAsync(async () => {
      const emb = new Embedding(64, 32, { seed: 3 });
      const m = moments(await emb.weight.data());
      expect(Math.abs(m.mean)).toBeLessThan(0.1);
      expect(Math.abs(Math.sqrt(m.variance) - 1)).toBeLessThan(0.1);
      const ln = new LayerNorm(5);
      const gn = new GroupNorm(2, 6);
      expect(Array.from(await ln.weight!.data())).toEqual([1, 1, 1, 1, 1]);
      expect(Array.from(await gn.bias!.data())).toEqual([0, 0, 0, 0, 0, 0]);
      expect(ln.eps).toBe(1e-5);
      expect(new LayerNorm(5, { elementwiseAffine: false }).parameters()).toEqual([]);
      expect(() => new GroupNorm(4, 6)).toThrow(/4 groups do not divide 6 channels/);
      for (const mod of [emb, ln, gn]) mod.dispose();
    });
  });

  it('derived seeds differ by name and by parent seed', () => {
    const seeds = new Set([
      deriveSeed(1, 'a'),
      deriveSeed(1, 'b'),
      deriveSeed(2, 'a'),
      deriveSeed(1, 'layers.0'),
      deriveSeed(1, 'layers.1'),
    ]);
    expect(seeds.size).toBe(5);
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
    for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
  });

  it('parameters survive the scope they were created in', async () => {
    const lin = tidy(() => new Linear(3, 2, { seed: 1 }));
    expect(lin.weight.isDisposed).toBe(false);
    expect((await lin.weight.data()).length).toBe(6);
    lin.dispose();
  });
});

describe(`nn module forward (${platformName})`, () => {
  it('LayerNorm matches a float64 reference, and its gradient matches finite differences', async () => {
    const r = rng(5);
    const x = randomArray(3 * 4 * 8, r, -2, 2);
    const w = randomArray(8, r);
    const b = randomArray(8, r);
    const ln = new LayerNorm(8);
    ln.loadStateDict(
      new Map([
        ['weight', host(w, [8])],
        ['bias', host(b, [8])],
      ]),
    );
    const expected = normalizeRuns(x, 8, 1e-5).map((v, i) => v * w[i % 8]! + b[i % 8]!);
    await tidyAsync(async () => {
      const xt = tensor(x, [3, 4, 8]);
      expectClose(await ln.forward(xt).data(), expected, { atol: 2e-5, rtol: 2e-5 });
      // d/dx of sum(LN(x) * c) against central differences of the float64 reference.
      const c = randomArray(x.length, r);
      const xg = tensor(x, [3, 4, 8]);
      xg.requiresGrad = true;
      backward(sum(mul(ln.forward(xg), tensor(c, [3, 4, 8]))));
      const objective = (v: number[]) =>
        normalizeRuns(v, 8, 1e-5).reduce((a, n, i) => a + (n * w[i % 8]! + b[i % 8]!) * c[i]!, 0);
      const numeric = x.map((_, i) => {
        const h = 1e-5;
        const up = [...x];
        const down = [...x];
        up[i]! += h;
        down[i]! -= h;
        return (objective(up) - objective(down)) / (2 * h);
      });
      expectClose(await xg.grad!.data(), numeric, { atol: 2e-3, rtol: 2e-3 });
    });
    ln.dispose();
  });

  it('GroupNorm normalises each group over channels and positions', async () => {
    const r = rng(6);
    const [B, C, H, W] = [2, 6, 3, 4];
    const x = randomArray(B * C * H * W, r, -3, 3);
    const w = randomArray(C, r);
    const b = randomArray(C, r);
    const gn = new GroupNorm(2, C);
    gn.loadStateDict(
      new Map([
        ['weight', host(w, [C])],
        ['bias', host(b, [C])],
      ]),
    );
    // Each group is 3 channels × 12 positions = 36 consecutive values in NCHW order.
    const expected = normalizeRuns(x, 36, 1e-5).map((v, i) => {
      const channel = Math.floor(i / (H * W)) % C;
      return v * w[channel]! + b[channel]!;
    });
    await tidyAsync(async () => {
      expectClose(await gn.forward(tensor(x, [B, C, H, W])).data(), expected, { atol: 2e-5, rtol: 2e-5 });
    });
    gn.dispose();
  });

  it('Conv2d passes stride, padding and bias through (naive reference)', async () => {
    const r = rng(7);
    const [B, Ci, H, W, Co, K] = [1, 2, 5, 4, 3, 3];
    const conv = new Conv2d(Ci, Co, K, { seed: 2, stride: 2, padding: 1 });
    const x = randomArray(B * Ci * H * W, r);
    const w = Array.from(await conv.weight.data());
    const bias = Array.from(await conv.bias!.data());
    const OH = Math.floor((H + 2 - K) / 2) + 1;
    const OW = Math.floor((W + 2 - K) / 2) + 1;
    const expected: number[] = [];
    for (let o = 0; o < Co; o++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let acc = bias[o]!;
          for (let c = 0; c < Ci; c++) {
            for (let ky = 0; ky < K; ky++) {
              for (let kx = 0; kx < K; kx++) {
                const iy = oy * 2 - 1 + ky;
                const ix = ox * 2 - 1 + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += x[(c * H + iy) * W + ix]! * w[((o * Ci + c) * K + ky) * K + kx]!;
              }
            }
          }
          expected.push(acc);
        }
      }
    }
    await tidyAsync(async () => {
      const y = conv.forward(tensor(x, [B, Ci, H, W]));
      expect(y.shape).toEqual([B, Co, OH, OW]);
      expectClose(await y.data(), expected, { atol: 1e-5, rtol: 1e-4 });
    });
    conv.dispose();
  });

  it('Sequential names its children 0, 1, ... and chains them', async () => {
    const seq = new Sequential([new Conv2d(2, 4, 1, { seed: 5 }), new GroupNorm(2, 4)]);
    expect([...seq.stateDict().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    await tidyAsync(async () => {
      const x = tensor(randomArray(2 * 2 * 3 * 3, rng(8)), [2, 2, 3, 3]);
      const chained = seq.get(1).forward(seq.get(0).forward(x));
      expect(Array.from(await seq.forward(x).data())).toEqual(Array.from(await chained.data()));
    });
    seq.dispose();
  });

  it('Embedding looks rows up for indices of any shape', async () => {
    const emb = new Embedding(5, 3, { seed: 9 });
    const table = Array.from(await emb.weight.data());
    await tidyAsync(async () => {
      const idx = [4, 0, 2, 2, 1, 3];
      const y = emb.forward(tensor(idx, [2, 3], 'i32'));
      expect(y.shape).toEqual([2, 3, 3]);
      expect(Array.from(await y.data())).toEqual(idx.flatMap((i) => table.slice(3 * i, 3 * i + 3)));
    });
    emb.dispose();
  });
});

describe(`nn module tree (${platformName})`, () => {
  function buildTree(): Tree {
    const root = new Tree();
    root.param('scale', ones([2]));
    root.buffer('counts', zeros([2]));
    root.buffer('relative_position_index', zeros([4], 'i32'), false);
    const blocks = root.add('blocks', new ModuleList([new Tree(), new Tree()]));
    blocks.get(0).add('norm', new LayerNorm(3));
    blocks.get(1).add('proj', new Linear(3, 2, { seed: 4 }));
    root.add('head', new Mlp([3, 4, 2], 8));
    return root;
  }

  it('names follow torch: own parameters, buffers, then children; ModuleList indices', () => {
    const root = buildTree();
    expect([...root.stateDict().keys()]).toEqual([
      'scale',
      'counts',
      'blocks.0.norm.weight',
      'blocks.0.norm.bias',
      'blocks.1.proj.weight',
      'blocks.1.proj.bias',
      'head.layers.0.weight',
      'head.layers.0.bias',
      'head.layers.1.weight',
      'head.layers.1.bias',
    ]);
    expect(root.namedParameters().map(([n]) => n)).not.toContain('counts');
    expect(root.namedBuffers().map(([n, , persistent]) => `${n}:${persistent}`)).toEqual([
      'counts:true',
      'relative_position_index:false',
    ]);
    expect(root.namedModules().map(([n]) => n)).toEqual([
      '',
      'blocks',
      'blocks.0',
      'blocks.0.norm',
      'blocks.1',
      'blocks.1.proj',
      'head',
      'head.layers',
      'head.layers.0',
      'head.layers.1',
    ]);
    expect(() => root.param('scale', ones([1]))).toThrow(/registered twice/);
    root.dispose();
  });

  it('loadStateDict copies CPU data and GPU tensors in place', async () => {
    const root = buildTree();
    const before = root.stateDict();
    const values = new Map<string, HostTensor | Tensor>();
    let k = 0;
    for (const [name, t] of before)
      values.set(
        name,
        host(
          Array.from({ length: t.size }, () => k++ / 10),
          [...t.shape],
        ),
      );
    values.set('blocks.1.proj.bias', tensor([7, 8]));
    // A source entry named like the non-persistent buffer is ignored, not loaded.
    values.set('relative_position_index', { dtype: 'i32', shape: [4], data: Int32Array.from([9, 9, 9, 9]) });
    const result = root.loadStateDict(values);
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys).toEqual([]);
    const index = root.namedBuffers().find(([n]) => n === 'relative_position_index')![1];
    expect(Array.from(await index.data())).toEqual([0, 0, 0, 0]);
    expect(result.loaded.length).toBe(10);
    const after = root.stateDict();
    for (const [name, t] of after) expect(t).toBe(before.get(name)); // same tensors, new values
    expect(Array.from(await after.get('counts')!.data())).toEqual([0.2, 0.3].map(Math.fround));
    expect(Array.from(await after.get('blocks.1.proj.bias')!.data())).toEqual([7, 8]);
    const w = values.get('head.layers.1.weight') as HostTensor;
    expect(Array.from(await after.get('head.layers.1.weight')!.data())).toEqual(Array.from(w.data));
    (values.get('blocks.1.proj.bias') as Tensor).dispose();
    root.dispose();
  });

  it('strict loading lists missing, unexpected and mismatched names in one error and writes nothing', async () => {
    const root = buildTree();
    const values = new Map<string, HostTensor>();
    for (const [name, t] of root.stateDict()) values.set(name, host(new Array(t.size).fill(5), [...t.shape]));
    values.delete('blocks.0.norm.bias');
    values.delete('head.layers.0.weight');
    values.set('blocks.2.norm.weight', host([1, 2, 3], [3]));
    values.set('head.layers.1.bias', host([1, 2, 3], [3]));
    values.set('counts', { dtype: 'i32', shape: [2], data: Int32Array.from([1, 2]) });
    let error: StateDictError | null = null;
    try {
      root.loadStateDict(values, { source: 'weights.safetensors' });
    } catch (err) {
      error = err as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error!.missingKeys).toEqual(['blocks.0.norm.bias', 'head.layers.0.weight']);
    expect(error!.unexpectedKeys).toEqual(['blocks.2.norm.weight']);
    expect(error!.mismatched).toEqual([
      { name: 'counts', expected: 'f32[2]', found: 'i32[2]' },
      { name: 'head.layers.1.bias', expected: 'f32[2]', found: 'f32[3]' },
    ]);
    expect(error!.message).toBe(
      [
        'loading weights.safetensors into Tree: 2 missing, 1 unexpected, 2 mismatched',
        '  missing: in the model, not in the source (2):',
        '    blocks.0.norm.bias',
        '    head.layers.0.weight',
        '  unexpected: in the source, not in the model (1):',
        '    blocks.2.norm.weight',
        '  mismatched: model vs source (2):',
        '    counts: model f32[2], source i32[2]',
        '    head.layers.1.bias: model f32[2], source f32[3]',
      ].join('\n'),
    );
    // Nothing was written: the LayerNorm weight is still its init.
    expect(Array.from(await root.stateDict().get('blocks.0.norm.weight')!.data())).toEqual([1, 1, 1]);
    root.dispose();
  });

  it('non-strict loading reports what it left out; shape mismatches can be skipped', async () => {
    const root = buildTree();
    const values = new Map<string, HostTensor>([
      ['scale', host([3, 4], [2])],
      ['head.layers.1.bias', host([1, 2, 3], [3])],
      ['other.weight', host([1], [1])],
      ['relative_position_index', host([0, 0, 0, 0], [4])],
    ]);
    expect(() => root.loadStateDict(values, { strict: false })).toThrow(/1 mismatched/);
    const result = root.loadStateDict(values, { strict: false, onShapeMismatch: 'skip' });
    expect(result.loaded).toEqual(['scale']);
    expect(result.unexpectedKeys).toEqual(['other.weight']);
    expect(result.missingKeys.length).toBe(8);
    expect(result.mismatched.map((m) => m.name)).toEqual(['head.layers.1.bias']);
    expect(Array.from(await root.stateDict().get('scale')!.data())).toEqual([3, 4]);
    root.dispose();
  });

  it('train()/eval() reach every descendant; dropout and drop-path follow the mode', async () => {
    const root = new Tree();
    const drop = root
      .add('stack', new ModuleList([new Tree()]))
      .get(0)
      .add('drop', new Dropout(0.5, 21));
    const path = root.add('path', new DropPath(0.5, 22));
    expect(root.eval()).toBe(root);
    expect(root.namedModules().every(([, m]) => !m.training)).toBe(true);
    await tidyAsync(async () => {
      const x = ones([64, 8]);
      expect(drop.forward(x)).toBe(x);
      expect(path.forward(x)).toBe(x);
      root.train();
      expect(drop.training && path.training).toBe(true);
      const d1 = Array.from(await drop.forward(x).data());
      const d2 = Array.from(await drop.forward(x).data());
      expect(new Set(d1)).toEqual(new Set([0, 2]));
      expect(d1).not.toEqual(d2); // a fresh mask per call
      const zeroed = d1.filter((v) => v === 0).length / d1.length;
      expect(zeroed).toBeGreaterThan(0.35);
      expect(zeroed).toBeLessThan(0.65);
      const p = Array.from(await path.forward(x).data());
      for (let row = 0; row < 64; row++) expect(new Set(p.slice(row * 8, row * 8 + 8)).size).toBe(1); // whole samples
      expect(randomState(root)).toEqual({ 'stack.0.drop': 2, path: 1 });
      // Restoring the counters replays the same masks.
      setRandomState(root, { 'stack.0.drop': 1 });
      expect(path.draws).toBe(0);
      expect(Array.from(await drop.forward(x).data())).toEqual(d2);
    });
    root.dispose();
  });
});
