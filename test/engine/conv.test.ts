import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Conv2dOptions,
  type MatmulVariant,
  backward,
  conv2d,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { foldColumns, unfoldColumns, usesExplicitColumns } from '../../engine/ops/conv-columns.js';
import { convShape } from '../../engine/ops/conv-shape.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import {
  type Conv2dGeometry,
  conv2dReference,
  foldReference,
  unfoldReference,
} from '../../shaders/conv/reference.js';
import golden from '../fixtures/golden/conv.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await useEngine();
});

/**
 * Both launch policies on any adapter: 'gpu' (implicit im2col GEMMs) and 'cpu' (explicit
 * columns from shaders/conv/columns.ts and dense GEMMs; what CPU adapters run).
 */
const POLICIES = ['gpu', 'cpu'] as const;
function usePolicy(policy: 'gpu' | 'cpu'): void {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));
}

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  bias: boolean;
  opt: { stride?: number; padding?: number; dilation?: number; groups?: number };
}

function geometry(o: ConvCase['opt']): Conv2dGeometry {
  const p = (v: number | undefined, d: number): [number, number] => [v ?? d, v ?? d];
  return {
    stride: p(o.stride, 1),
    padding: p(o.padding, 0),
    dilation: p(o.dilation, 1),
    groups: o.groups ?? 1,
  };
}

const CASES: ConvCase[] = [
  { name: '3x3 stride 1 padding 1', x: [2, 3, 5, 6], w: [4, 3, 3, 3], bias: true, opt: { padding: 1 } },
  {
    name: '3x3 stride 2 padding 1, 8 outputs (explicit columns on CPU adapters)',
    x: [1, 3, 7, 6],
    w: [8, 3, 3, 3],
    bias: true,
    opt: { stride: 2, padding: 1 },
  },
  { name: '3x3 stride 1 padding 0, no bias', x: [1, 2, 5, 5], w: [3, 2, 3, 3], bias: false, opt: {} },
  {
    // OH*OW and Cin*kh*kw multiples of 4: every product of the explicit-column path reads vec4.
    name: '3x3 padding 1, vec4-aligned explicit columns',
    x: [2, 4, 4, 6],
    w: [10, 4, 3, 3],
    bias: true,
    opt: { padding: 1 },
  },
  { name: '1x1 (a plain matmul, vec4 reads)', x: [2, 4, 2, 4], w: [8, 4, 1, 1], bias: true, opt: {} },
  { name: '1x1 odd sizes', x: [1, 3, 3, 3], w: [5, 3, 1, 1], bias: true, opt: {} },
  { name: '1x1 stride 2', x: [1, 4, 5, 5], w: [8, 4, 1, 1], bias: true, opt: { stride: 2 } },
  {
    name: '4x4 stride 4 (Swin patch embed)',
    x: [1, 3, 8, 8],
    w: [9, 3, 4, 4],
    bias: true,
    opt: { stride: 4 },
  },
  {
    name: 'groups 2, dilation 2, 8 outputs per group',
    x: [1, 4, 6, 5],
    w: [16, 2, 3, 3],
    bias: true,
    opt: { padding: 2, dilation: 2, groups: 2 },
  },
  { name: 'depthwise 3x3', x: [2, 4, 5, 5], w: [4, 1, 3, 3], bias: true, opt: { padding: 1, groups: 4 } },
  { name: '1x1 grouped', x: [1, 4, 3, 4], w: [6, 2, 1, 1], bias: false, opt: { groups: 2 } },
];

async function checkConv(c: ConvCase, variant: MatmulVariant, withGrad: boolean): Promise<void> {
  const random = rng(c.name.length * 7 + variant.length);
  const inputs = [
    { data: randomArray(size(c.x), random), shape: c.x },
    { data: randomArray(size(c.w), random), shape: c.w },
    ...(c.bias ? [{ data: randomArray(c.w[0], random), shape: [c.w[0]] }] : []),
  ];
  const options: Conv2dOptions = { ...c.opt, variant };
  await checkOp({
    inputs,
    op: (x, w, b) => conv2d(x, w, b, options),
    ref: ([x, w, b]) => conv2dReference(x!, c.x, w!, c.w, c.bias ? b! : null, geometry(c.opt)).data,
    noGrad: !withGrad,
  });
}

describe.each(POLICIES)(`conv2d (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  for (const c of CASES) {
    it(`${c.name}: forward and backward (input, weight, bias) against the reference`, async () => {
      await checkConv(c, 'auto', true);
    });
  }

  it('every case with the naive kernel forced, gradients included', async () => {
    for (const c of CASES) await checkConv(c, 'naive', true);
  });

  it('every case with the register-tiled kernel forced', async () => {
    for (const c of CASES) await checkConv(c, 'register', c.opt.groups === undefined);
  });

  it('the workgroup-tiled kernel on a 3x3 and a 1x1 convolution', async () => {
    await checkConv(CASES[0]!, 'tiled64', false);
    await checkConv(CASES[4]!, 'tiled64', false);
  });

  it('reads explicit columns exactly under the cpu policy, with 8+ outputs per group', () => {
    const x = tensor(new Array(2 * 4 * 5 * 5).fill(0), [2, 4, 5, 5]);
    const w3 = tensor(new Array(8 * 4 * 9).fill(0), [8, 4, 3, 3]);
    const w1 = tensor(new Array(8 * 4).fill(0), [8, 4, 1, 1]);
    const few = tensor(new Array(4 * 4 * 9).fill(0), [4, 4, 3, 3]);
    const depthwise = tensor(new Array(4 * 9).fill(0), [4, 1, 3, 3]);
    expect(usesExplicitColumns(convShape(x, w3, { padding: 1 }))).toBe(policy === 'cpu');
    expect(usesExplicitColumns(convShape(x, w1, { stride: 2 }))).toBe(policy === 'cpu');
    expect(usesExplicitColumns(convShape(x, w1, {}))).toBe(false); // pointwise: x is its columns
    expect(usesExplicitColumns(convShape(x, few, { padding: 1 }))).toBe(false);
    expect(usesExplicitColumns(convShape(x, depthwise, { padding: 1, groups: 4 }))).toBe(false);
    for (const t of [x, w3, w1, few, depthwise]) t.dispose();
  });

  it('output shape follows PyTorch for stride, padding and dilation', async () => {
    await tidyAsync(async () => {
      const x = tensor(new Array(1 * 2 * 9 * 7).fill(1), [1, 2, 9, 7]);
      const w = tensor(new Array(3 * 2 * 3 * 2).fill(1), [3, 2, 3, 2]);
      const out = conv2d(x, w, null, { stride: [2, 3], padding: [1, 0], dilation: [2, 1] });
      // H: floor((9 + 2 - 2*2 - 1) / 2) + 1 = 4; W: floor((7 - 1 - 1) / 3) + 1 = 2.
      expect(out.shape).toEqual([1, 3, 4, 2]);
      const v = await out.data();
      // Every tap inside the image for output (0, 0)? rows -1, 1, 3: one row of padding -> 2 rows * 2 cols * 2 ch.
      expect(v[0]).toBe(8);
    });
  });

  it('rejects inconsistent groups and shapes', () => {
    const x = tensor(new Array(2 * 4 * 3 * 3).fill(0), [2, 4, 3, 3]);
    const w = tensor(new Array(6 * 3 * 1 * 1).fill(0), [6, 3, 1, 1]);
    expect(() => conv2d(x, w)).toThrow(/groups/);
    expect(() => conv2d(x, w, null, { groups: 2 })).toThrow(/groups/);
    x.dispose();
    w.dispose();
  });
});

describe.each(POLICIES)(`conv2d golden values from PyTorch (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  for (const c of file.cases) {
    it(c.name, async () => {
      const p = c.params as {
        stride: number;
        padding: number;
        dilation: number;
        groups: number;
        bias: boolean;
      };
      const options = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      await checkGolden(goldenCase(file, c.name), (x, w, b) => conv2d(x, w, p.bias ? b : null, options));
    });
  }
});

describe.each(POLICIES)(`conv2d memory (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  it('forward and backward free every intermediate buffer', async () => {
    const eng = await useEngine();
    await eng.sync();
    const before = eng.pool.snapshot().liveBytes;
    await tidyAsync(async () => {
      const x = tensor(randomArray(2 * 4 * 5 * 5, rng(1)), [2, 4, 5, 5]);
      const w = tensor(randomArray(6 * 2 * 3 * 3, rng(2)), [6, 2, 3, 3]);
      const b = tensor(randomArray(6, rng(3)), [6]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const out = conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 });
      backward(out, tensor(randomArray(out.size, rng(4)), out.shape));
      for (const t of [x, w, b]) t.grad?.dispose();
      await out.data();
    });
    await eng.sync();
    expect(eng.pool.snapshot().liveBytes).toBe(before);
  });
});

describe(`conv2d forward sanity (${platformName})`, () => {
  it('a centred 3x3 delta kernel with padding 1 is the identity', async () => {
    const data = randomArray(2 * 5 * 4, rng(5));
    const delta = new Array(9).fill(0);
    delta[4] = 1;
    await tidyAsync(async () => {
      const x = tensor(data, [1, 2, 5, 4]);
      const w = tensor([...delta, ...new Array(9).fill(0), ...new Array(9).fill(0), ...delta], [2, 2, 3, 3]);
      expectClose(await conv2d(x, w, null, { padding: 1 }).data(), data);
    });
  });
});

describe(`conv2d explicit columns: unfold and fold kernels (${platformName})`, () => {
  const geometries: [string, number[], number, number, ConvCase['opt']][] = [
    ['3x3 padding 1', [2, 3, 5, 6], 3, 3, { padding: 1 }],
    ['3x3 stride 2 padding 1', [1, 2, 7, 6], 3, 3, { stride: 2, padding: 1 }],
    ['3x2 dilation 2 padding 2', [1, 2, 6, 5], 3, 2, { padding: 2, dilation: 2 }],
    ['4x4 stride 4', [1, 3, 8, 8], 4, 4, { stride: 4 }],
    ['1x1 stride 2', [1, 2, 5, 5], 1, 1, { stride: 2 }],
  ];
  for (const [name, xShape, kh, kw, opt] of geometries) {
    it(`${name}: unfold and fold match torch's unfold and fold`, async () => {
      const random = rng(name.length);
      const geo = geometry(opt);
      const C = xShape[1]!;
      await tidyAsync(async () => {
        const xData = randomArray(size(xShape), random);
        const x = tensor(xData, xShape);
        const s = convShape(x, tensor(new Array(C * kh * kw).fill(0), [1, C, kh, kw]), opt);
        const cols = unfoldColumns(x, s);
        const expected = unfoldReference(xData, xShape, kh, kw, geo);
        expect(cols.shape).toEqual([xShape[0], C * kh * kw, s.OH * s.OW]);
        expectClose(await cols.data(), expected);
        const colData = randomArray(expected.length, random);
        const folded = foldColumns(tensor(colData, cols.shape), s);
        expect(folded.shape).toEqual(xShape);
        expectClose(await folded.data(), foldReference(colData, xShape, kh, kw, geo));
      });
    });
  }

  it('fold is the adjoint of unfold (the references agree with each other)', () => {
    // <unfold(x), c> = <x, fold(c)> for any x and c: checks the references independently.
    const xShape = [1, 2, 5, 4];
    const geo = geometry({ stride: 2, padding: 1, dilation: 1 });
    const random = rng(9);
    const x = randomArray(size(xShape), random);
    const u = unfoldReference(x, xShape, 3, 3, geo);
    const c = randomArray(u.length, random);
    const f = foldReference(c, xShape, 3, 3, geo);
    const lhs = u.reduce((acc, v, i) => acc + v * c[i]!, 0);
    const rhs = x.reduce((acc, v, i) => acc + v * f[i]!, 0);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9);
    // And the convolution is the weight times the columns (the textbook loop nest agrees).
    const O = 3;
    const w = randomArray(O * 2 * 9, random);
    const conv = conv2dReference(x, xShape, w, [O, 2, 3, 3], null, { ...geo, groups: 1 });
    const P = conv.shape[2]! * conv.shape[3]!;
    for (let o = 0; o < O; o++) {
      for (let p = 0; p < P; p++) {
        let acc = 0;
        for (let k = 0; k < 18; k++) acc += w[o * 18 + k]! * u[k * P + p]!;
        expect(acc).toBeCloseTo(conv.data[o * P + p]!, 12);
      }
    }
  });
});
