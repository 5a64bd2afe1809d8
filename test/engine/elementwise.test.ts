import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  type UnaryOp,
  abs,
  add,
  backward,
  binary,
  cast,
  clamp,
  div,
  eq,
  expand,
  exp,
  ge,
  gelu,
  gt,
  le,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maskedFill,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  permute,
  pow,
  relu,
  sigmoid,
  slice,
  square,
  sub,
  sum,
  tanh,
  tensor,
  tidyAsync,
  unary,
  where,
  zeros,
} from '../../engine/index.js';
import { BINARY_RULES, type BinaryOp } from '../../shaders/elementwise/binary.js';
import { mapReference } from '../../shaders/elementwise/map.js';
import { erf64 } from '../../shaders/elementwise/math.js';
import { UNARY_RULES } from '../../shaders/elementwise/unary.js';
import golden from '../fixtures/golden/elementwise.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

/** Input domain where each differentiable unary op is smooth and well conditioned. */
const DOMAIN: Partial<Record<UnaryOp, [number, number]>> = {
  log: [0.2, 3],
  sqrt: [0.2, 3],
  rsqrt: [0.2, 3],
  reciprocal: [0.5, 2],
  gelu: [-4, 4],
  sigmoid: [-6, 6],
  tanh: [-3, 3],
  erf: [-2.5, 2.5],
};

/** Row-major data of the transpose of a [rows, cols] array. */
const transposeRef = (data: ArrayLike<number>, rows: number, cols: number): number[] =>
  Array.from({ length: rows * cols }, (_, i) => data[(i % rows) * cols + Math.floor(i / rows)]!);

describe(`unary ops (${platformName})`, () => {
  const random = rng(11);
  const differentiable = (Object.keys(UNARY_RULES) as UnaryOp[]).filter(
    (op) => UNARY_RULES[op].grad !== null,
  );

  for (const op of differentiable) {
    it(`${op}: forward on a permuted view and gradient vs finite differences`, async () => {
      const [lo, hi] = DOMAIN[op] ?? [-2, 2];
      // Keep away from kinks at 0 (abs, relu) where finite differences are meaningless.
      const data = randomArray(15, random, lo, hi).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      await checkOp({
        inputs: [{ data, shape: [3, 5] }],
        op: (x) => unary(op, permute(x, [1, 0])),
        ref: ([x]) => transposeRef(x!, 3, 5).map(UNARY_RULES[op].reference),
        forwardTol: { atol: 2e-6, rtol: 2e-5 },
      });
    });
  }

  it('piecewise-constant ops: forward only', async () => {
    const data = [-2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, -0.7, 0.3, 3.2];
    for (const op of ['sign', 'floor', 'ceil', 'round', 'logicalNot'] as const) {
      const out = await tidyAsync(() => unary(op, tensor(data, [10])).data());
      expect(Array.from(out, (v) => v + 0)).toEqual(
        data.map((v) => UNARY_RULES[op].reference(Math.fround(v)) + 0),
      );
    }
  });

  it('erf reference matches known values', () => {
    expect(erf64(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf64(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf64(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erf64(3.5)).toBeCloseTo(0.9999992569016276, 14);
  });

  it('erf and gelu are accurate to ~1e-6 over a dense grid', async () => {
    const xs = Array.from({ length: 801 }, (_, i) => -8 + i * 0.02);
    const [e, g] = await tidyAsync(async () => {
      const x = tensor(xs, [xs.length]);
      return [await unary('erf', x).data(), await gelu(x).data()];
    });
    const fx = xs.map(Math.fround);
    expectClose(e, fx.map(erf64), { atol: 1e-6, rtol: 0 });
    expectClose(g, fx.map(UNARY_RULES.gelu.reference), { atol: 4e-6, rtol: 1e-6 });
  });

  it('sigmoid, tanh and gelu are finite and exact at |x| = 100 and 1e4 (with gradients)', async () => {
    const xs = [-1e4, -100, -20, 20, 100, 1e4];
    await tidyAsync(async () => {
      const x = tensor(xs, [6]);
      x.requiresGrad = true;
      const s = sigmoid(x);
      const t = tanh(x);
      const g = gelu(x);
      expect(Array.from(await s.data())).toEqual([0, 0, expect.closeTo(2.06e-9, 10), 1, 1, 1]);
      expect(Array.from(await t.data())).toEqual([-1, -1, -1, 1, 1, 1]);
      expectClose(await g.data(), [0, 0, 0, 20, 100, 1e4], { atol: 1e-6, rtol: 1e-6 });
      backward(sum(add(add(s, t), g)));
      const grad = Array.from(await x.grad!.data());
      expect(grad.every(Number.isFinite)).toBe(true);
      expectClose(grad, [0, 0, 2.06e-9, 1, 1, 1], { atol: 1e-6, rtol: 0 });
    });
  });

  it('sin and cos are accurate to ~1e-6 over |x| <= 100 (built-ins only promise 2^-11)', async () => {
    const xs = Array.from({ length: 1001 }, (_, i) => -100 + i * 0.2 + 0.013);
    const [s, c] = await tidyAsync(async () => {
      const x = tensor(xs, [xs.length]);
      return [await unary('sin', x).data(), await unary('cos', x).data()];
    });
    const fx = xs.map(Math.fround);
    expectClose(s, fx.map(Math.sin), { atol: 2e-6, rtol: 0 });
    expectClose(c, fx.map(Math.cos), { atol: 2e-6, rtol: 0 });
  });

  it('tanh keeps relative accuracy near zero', async () => {
    const xs = [1e-6, -3e-4, 0.01, 0.3, -0.54, 0.56, 0.9];
    const out = await tidyAsync(() => tanh(tensor(xs, [xs.length])).data());
    expectClose(
      out,
      xs.map((v) => Math.tanh(Math.fround(v))),
      { atol: 0, rtol: 3e-7 },
    );
  });
});

describe(`binary ops and broadcasting (${platformName})`, () => {
  const random = rng(5);
  const shapes: [number[], number[]][] = [
    [
      [2, 1, 3],
      [4, 1],
    ],
    [[5], []],
    [
      [3, 4],
      [3, 4],
    ],
    [
      [1, 7],
      [6, 1],
    ],
    [[2, 3, 4], [4]],
  ];
  const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];

  for (const op of ops) {
    for (const [sa, sb] of shapes) {
      it(`${op} [${sa}] with [${sb}]: forward and gradients`, async () => {
        const na = sa.reduce((p, d) => p * d, 1);
        const nb = sb.reduce((p, d) => p * d, 1);
        const positive = op === 'pow' || op === 'div';
        const a = randomArray(na, random, positive ? 0.4 : -2, 2);
        const b = randomArray(nb, random, positive ? 0.5 : -2, 2);
        const outShape = sa.length >= sb.length ? [...sa] : [...sb];
        for (let i = 1; i <= Math.min(sa.length, sb.length); i++) {
          outShape[outShape.length - i] = Math.max(sa[sa.length - i]!, sb[sb.length - i]!);
        }
        await checkOp({
          inputs: [
            { data: a, shape: sa },
            { data: b, shape: sb },
          ],
          op: (x, y) => binary(op, x, y),
          ref: ([x, y]) =>
            mapReference(
              [
                { data: x!, shape: sa },
                { data: y!, shape: sb },
              ],
              outShape,
              BINARY_RULES[op].reference,
            ),
          forwardTol: { atol: 1e-5, rtol: 1e-5 },
        });
      });
    }
  }

  it('empty dims: [0,3] + [3] is [0,3], and gradients are empty', async () => {
    await tidyAsync(async () => {
      const a = zeros([0, 3]);
      const b = tensor([1, 2, 3], [3]);
      b.requiresGrad = true;
      const c = add(a, b);
      expect(c.shape).toEqual([0, 3]);
      expect(Array.from(await c.data())).toEqual([]);
      backward(sum(mul(c, 2)));
      expect(Array.from(await b.grad!.data())).toEqual([0, 0, 0]);
    });
  });

  it('x * x (same tensor twice) gets gradient 2x', async () => {
    await tidyAsync(async () => {
      const x = tensor([1.5, -2, 3], [3]);
      x.requiresGrad = true;
      backward(sum(mul(x, x)));
      expect(Array.from(await x.grad!.data())).toEqual([3, -4, 6]);
    });
  });

  it('scalar operands on either side, in every layout (vec4, dense, strided, offset)', async () => {
    await tidyAsync(async () => {
      const data = Array.from({ length: 24 }, (_, i) => i - 10);
      const x = tensor(data, [4, 6]);
      expect(Array.from(await sub(3, x).data())).toEqual(data.map((v) => 3 - v)); // vec4
      const odd = tensor(data.slice(0, 7), [7]);
      expect(Array.from(await mul(odd, 0.5).data())).toEqual(data.slice(0, 7).map((v) => v * 0.5)); // dense
      const rowSlice = slice(x, 0, 1, 3); // contiguous with offset 6
      expect(Array.from(await div(rowSlice, 2).data())).toEqual(data.slice(6, 18).map((v) => v / 2));
      const colSlice = slice(x, 1, 1, 5, 2); // strided
      const expected = [0, 1, 2, 3].flatMap((r) => [1, 3].map((c) => 2 ** data[r * 6 + c]!));
      expectClose(await pow(2, colSlice).data(), expected, { atol: 0, rtol: 1e-6 });
      const t = permute(x, [1, 0]);
      expect(Array.from(await add(t, t).data())).toEqual(transposeRef(data, 4, 6).map((v) => 2 * v));
    });
  });

  it('a broadcast (expanded) input is read in place, not copied', async () => {
    await tidyAsync(async () => {
      const row = tensor([1, 2, 3], [1, 3]);
      const big = expand(row, [1000, 3]);
      const y = mul(
        big,
        tensor(
          Array.from({ length: 1000 }, (_, i) => i),
          [1000, 1],
        ),
      );
      const v = await y.data();
      expect([v[0], v[2], v[2997], v[2999]]).toEqual([0, 0, 999, 2997]);
    });
  });

  it('pow follows PyTorch for negative bases and zero', async () => {
    const out = await tidyAsync(() =>
      pow(tensor([-2, -2, -2, 0, 0, 4], [6]), tensor([3, 2, 0.5, 2, 0, -0.5], [6])).data(),
    );
    expect(Array.from(out)).toEqual([-8, 4, NaN, 0, 1, 0.5]);
  });

  it('dtype errors are explicit', () => {
    expect(() => add(tensor([1], [1]), tensor([1], [1], 'i32'))).toThrow(/dtypes differ/);
    expect(() => div(tensor([1], [1], 'i32'), 2)).toThrow(/not defined for i32/);
    expect(() => add(tensor([1], [1], 'i32'), 0.5)).toThrow(/not an integer/);
    expect(() => add(tensor([1, 2], [2]), tensor([1, 2, 3], [3]))).toThrow(/do not broadcast/);
  });
});

describe(`comparisons, logic, selection, integers (${platformName})`, () => {
  it('comparisons return f32 0/1 (floats and integers)', async () => {
    await tidyAsync(async () => {
      const a = tensor([1, 2, 3, 4], [4]);
      const b = tensor([2, 2, 2, 2], [4]);
      const ai = tensor([1, 2, 3, 4], [4], 'i32');
      expect(Array.from(await eq(a, b).data())).toEqual([0, 1, 0, 0]);
      expect(Array.from(await ne(a, b).data())).toEqual([1, 0, 1, 1]);
      expect(Array.from(await lt(a, 2).data())).toEqual([1, 0, 0, 0]);
      expect(Array.from(await le(2, a).data())).toEqual([0, 1, 1, 1]);
      expect(Array.from(await gt(ai, 2).data())).toEqual([0, 0, 1, 1]);
      expect(Array.from(await ge(ai, tensor([4, 1], [2, 1], 'i32')).data())).toEqual([
        0, 0, 0, 1, 1, 1, 1, 1,
      ]);
      expect(eq(ai, 1).dtype).toBe('f32');
    });
  });

  it('logical ops treat nonzero as true', async () => {
    await tidyAsync(async () => {
      const a = tensor([0, 1, -3, 0], [4]);
      const b = tensor([0, 0, 2, 5], [4]);
      expect(Array.from(await logicalAnd(a, b).data())).toEqual([0, 0, 1, 0]);
      expect(Array.from(await logicalOr(a, b).data())).toEqual([0, 1, 1, 1]);
      expect(Array.from(await logicalNot(tensor([0, 7, 0], [3], 'u32')).data())).toEqual([1, 0, 1]);
    });
  });

  it('integer arithmetic stays integer', async () => {
    await tidyAsync(async () => {
      const a = tensor([5, -7, 100000, 3], [4], 'i32');
      const b = tensor([2, 3, 100000, -9], [4], 'i32');
      const s = add(a, b);
      expect(s.dtype).toBe('i32');
      expect(Array.from(await s.data())).toEqual([7, -4, 200000, -6]);
      expect(Array.from(await sub(a, b).data())).toEqual([3, -10, 0, 12]);
      expect(Array.from(await mul(a, 3).data())).toEqual([15, -21, 300000, 9]);
      expect(Array.from(await maximum(a, b).data())).toEqual([5, 3, 100000, 3]);
      expect(Array.from(await minimum(a, 0).data())).toEqual([0, -7, 0, 0]);
      expect(Array.from(await neg(a).data())).toEqual([-5, 7, -100000, -3]);
      expect(Array.from(await abs(a).data())).toEqual([5, 7, 100000, 3]);
      expect(Array.from(await square(tensor([3, 65535], [2], 'u32')).data())).toEqual([9, 4294836225]);
      expect(Array.from(await relu(a).data())).toEqual([5, 0, 100000, 3]);
      expect(Array.from(await clamp(a, -1, 6).data())).toEqual([5, -1, 6, 3]);
    });
  });

  it('where broadcasts condition, branches and scalars; gradients go to the chosen side', async () => {
    const cond = [1, 0, 0, 1, 1, 0];
    const a = [1, 2, 3, 4, 5, 6];
    const b = [10, 20, 30];
    await checkOp({
      inputs: [
        { data: cond, shape: [2, 3], dtype: 'i32', grad: false },
        { data: a, shape: [2, 3] },
        { data: b, shape: [3] },
      ],
      op: (c, x, y) => where(c, x, y),
      ref: ([c, x, y]) => Array.from({ length: 6 }, (_, i) => (c![i] ? x![i]! : y![i % 3]!)),
    });
    const out = await tidyAsync(() => where(tensor([0, 2], [2, 1], 'u32'), 7, tensor([1, 2, 3], [3])).data());
    expect(Array.from(out)).toEqual([1, 2, 3, 7, 7, 7]);
  });

  it('maskedFill fills where the mask is set; gradient flows elsewhere', async () => {
    await checkOp({
      inputs: [
        { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] },
        { data: [0, 1, 0], shape: [3], dtype: 'f32', grad: false },
      ],
      op: (x, m) => maskedFill(x, m, -5),
      ref: ([x]) => Array.from(x!, (v, i) => (i % 3 === 1 ? -5 : v)),
    });
  });

  it('clamp: forward and gradient (passes inside the range)', async () => {
    const data = [-2, -0.7, -0.2, 0.1, 0.6, 1.3, 2.2, -1.1];
    await checkOp({
      inputs: [{ data, shape: [2, 4] }],
      op: (x) => clamp(x, -1, 1),
      ref: ([x]) => Array.from(x!, (v) => Math.min(1, Math.max(-1, v))),
    });
    const lower = await tidyAsync(() => clamp(tensor(data, [8]), 0).data());
    expect(Array.from(lower)).toEqual(data.map((v) => Math.fround(Math.max(0, v))));
  });

  it('cast between dtypes', async () => {
    await tidyAsync(async () => {
      const f = tensor([-2.7, -0.5, 0.5, 3.9, 1e10], [5]);
      expect(Array.from(await cast(f, 'i32').data())).toEqual([-2, 0, 0, 3, 2147483520]); // saturates at the largest f32 below 2^31
      expect(Array.from(await cast(tensor([-1, 5], [2], 'i32'), 'u32').data())).toEqual([4294967295, 5]);
      expect(Array.from(await cast(tensor([7, 16777217], [2], 'i32'), 'f32').data())).toEqual([7, 16777216]);
      const c = cast(f, 'f32');
      expect(c.dtype).toBe('f32');
      expect(c.storage).not.toBe(f.storage);
    });
  });

  it('chained ops: exp(x) * sigmoid(x) - tanh(x) / 2 gradient', async () => {
    await checkOp({
      inputs: [{ data: [-1.5, -0.3, 0.2, 0.9, 1.7, 2.4], shape: [2, 3] }],
      op: (x) => sub(mul(exp(x), sigmoid(x)), div(tanh(x), 2)),
      ref: ([x]) => Array.from(x!, (v) => Math.exp(v) / (1 + Math.exp(-v)) - Math.tanh(v) / 2),
    });
  });
});

describe(`elementwise golden values from PyTorch (${platformName})`, () => {
  const unaryNames = [
    'neg',
    'exp',
    'log',
    'sqrt',
    'rsqrt',
    'abs',
    'relu',
    'gelu',
    'sigmoid',
    'tanh',
    'square',
    'reciprocal',
    'erf',
    'sin',
    'cos',
  ] as const;
  it('unary ops', async () => {
    for (const name of unaryNames) await checkGolden(goldenCase(file, name), (x) => unary(name, x));
    for (const name of ['sigmoid', 'tanh', 'gelu'] as const) {
      await checkGolden(goldenCase(file, `${name}_large`), (x) => unary(name, x), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it('binary ops, where, clamp, maskedFill', async () => {
    const bin = (op: BinaryOp) => (a: Tensor, b: Tensor) => binary(op, a, b);
    await checkGolden(goldenCase(file, 'add_broadcast'), bin('add'));
    await checkGolden(goldenCase(file, 'sub_broadcast'), bin('sub'));
    await checkGolden(goldenCase(file, 'mul_broadcast'), bin('mul'));
    await checkGolden(goldenCase(file, 'div_broadcast'), bin('div'));
    await checkGolden(goldenCase(file, 'pow'), bin('pow'));
    await checkGolden(goldenCase(file, 'pow_negative_base'), (a) => pow(a, 3));
    await checkGolden(goldenCase(file, 'maximum'), bin('maximum'));
    await checkGolden(goldenCase(file, 'minimum'), bin('minimum'));
    await checkGolden(goldenCase(file, 'maximum_ties'), bin('maximum'));
    await checkGolden(goldenCase(file, 'clamp'), (x) => clamp(x, -0.5, 0.75));
    await checkGolden(goldenCase(file, 'where'), (c, a, b) => where(c, a, b));
    await checkGolden(goldenCase(file, 'masked_fill'), (x, m) => maskedFill(x, m, -3.5));
  });
});
