import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  argmax,
  argmin,
  backward,
  expand,
  logsumexp,
  max,
  maxWithIndices,
  mean,
  min,
  mul,
  permute,
  slice,
  sum,
  sumToShape,
  tensor,
  tidyAsync,
  zeros,
} from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { stridedCopyReference } from '../../shaders/core/copy.js';
import { type ReduceOp, reduceReference } from '../../shaders/reduce/reduce.js';
import { selectGradReference } from '../../shaders/reduce/select-grad.js';
import golden from '../fixtures/golden/reduce.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

type ReduceFn = (x: Tensor, axes?: number | readonly number[], keepdim?: boolean) => Tensor;
const OPS: Record<Exclude<ReduceOp, 'argmax' | 'argmin'>, ReduceFn> = { sum, mean, max, min, logsumexp };

const contiguousStrides = (shape: readonly number[]) => {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
};

/** Row-major data of `permute(x, dims)` for a dense x. */
function permutedData(data: ArrayLike<number>, shape: number[], dims: number[]): number[] {
  const strides = contiguousStrides(shape);
  return stridedCopyReference(
    data,
    dims.map((d) => shape[d]!),
    0,
    dims.map((d) => strides[d]!),
  );
}

/**
 * Runs `fn` under the GPU or the CPU-adapter launch policy (threads per row, row splitting), so
 * both paths (incl. two-pass split reductions) are checked on every adapter.
 */
async function withPolicy<T>(policy: 'gpu' | 'cpu', fn: () => Promise<T>): Promise<T> {
  forceReducePolicy(policy);
  try {
    return await fn();
  } finally {
    forceReducePolicy(null);
  }
}

describe(`reductions forward (${platformName})`, () => {
  const random = rng(3);
  const cases: { shape: number[]; axes: number[] | undefined }[] = [
    { shape: [3, 4, 5], axes: [0] },
    { shape: [3, 4, 5], axes: [1] },
    { shape: [3, 4, 5], axes: [2] },
    { shape: [3, 4, 5], axes: [0, 2] },
    { shape: [3, 4, 5], axes: [-1, -2] },
    { shape: [3, 4, 5], axes: undefined },
    { shape: [7], axes: undefined },
    { shape: [2, 1, 3, 4], axes: [1, 3] },
    { shape: [33, 40], axes: [0] }, // column kernel
    { shape: [40, 33], axes: [1] },
    { shape: [5, 600], axes: [1] },
  ];
  cases.forEach(({ shape, axes }, caseIndex) => {
    const policy = caseIndex % 2 === 0 ? 'gpu' : 'cpu';
    it(`all ops over [${shape}] axes ${axes ? `[${axes}]` : 'all'} (keepdim both ways, ${policy} policy)`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randomArray(n, random, -3, 3).map(Math.fround);
      await withPolicy(policy, () =>
        tidyAsync(async () => {
          const x = tensor(data, shape);
          for (const [name, fn] of Object.entries(OPS)) {
            for (const keepdim of [false, true]) {
              const ref = reduceReference(
                data,
                shape,
                axes ?? shape.map((_, i) => i),
                name as ReduceOp,
                keepdim,
              );
              const y = fn(x, axes, keepdim);
              expect(y.shape, `${name} shape`).toEqual(ref.outShape);
              expectClose(await y.data(), ref.values, { atol: 1e-5, rtol: 1e-5 });
            }
          }
          if (!axes || axes.length === 1) {
            const ax = axes?.[0];
            const all = shape.map((_, i) => i);
            expect(Array.from(await argmax(x, ax).data())).toEqual(
              reduceReference(data, shape, ax === undefined ? all : [ax], 'argmax').values,
            );
            expect(Array.from(await argmin(x, ax, true).data())).toEqual(
              reduceReference(data, shape, ax === undefined ? all : [ax], 'argmin').values,
            );
          }
        }),
      );
    });
  });

  it('permuted and sliced inputs are reduced in place (vs reference on the materialized view)', async () => {
    const shape = [4, 6, 5];
    const data = randomArray(120, random).map(Math.fround);
    await tidyAsync(async () => {
      const x = tensor(data, shape);
      const dims = [2, 0, 1];
      const p = permute(x, dims);
      const pdata = permutedData(data, shape, dims);
      for (const axes of [[0], [1], [2], [0, 2], [1, 2]]) {
        for (const op of ['sum', 'max', 'logsumexp'] as const) {
          const ref = reduceReference(pdata, p.shape as number[], axes, op);
          expectClose(await OPS[op](p, axes).data(), ref.values, { atol: 1e-5, rtol: 1e-5 });
        }
        const refIdx = reduceReference(pdata, p.shape as number[], [axes[0]!], 'argmax');
        expect(Array.from(await argmax(p, axes[0]).data())).toEqual(refIdx.values);
      }
      const s = slice(x, 1, 1, 6, 2); // [4, 3, 5], strided with an offset
      const sdata = stridedCopyReference(data, s.shape, s.offset, s.strides);
      expectClose(await sum(s, [0, 2]).data(), reduceReference(sdata, [4, 3, 5], [0, 2], 'sum').values, {
        atol: 1e-5,
      });
    });
  });

  it('an expanded (stride-0) input reduces without a copy', async () => {
    const out = await tidyAsync(() => sum(expand(tensor([1, 2, 3], [1, 3]), [1000, 3]), 0).data());
    expect(Array.from(out)).toEqual([1000, 2000, 3000]);
  });

  for (const policy of ['gpu', 'cpu'] as const) {
    it(`a 1e6-element sum, mean, max and argmax match float64 (${policy} policy${policy === 'gpu' ? ': two-pass split' : ''})`, async () => {
      const n = 1_000_000;
      const r = rng(99);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = r() * 2 - 0.5;
      let total = 0;
      let best = 0;
      for (let i = 0; i < n; i++) {
        total += data[i]!;
        if (data[i]! > data[best]!) best = i;
      }
      await withPolicy(policy, () =>
        tidyAsync(async () => {
          const x = tensor(data, [n]);
          expectClose([await sum(x).item()], [total], { atol: 0, rtol: 2e-6 });
          expectClose([await mean(x).item()], [total / n], { atol: 0, rtol: 2e-6 });
          expect(await max(x).item()).toBe(data[best]);
          expect(await argmax(x).item()).toBe(best);
          // The same data as a column reduction ([250000, 4] over axis 0) and a few long rows.
          const cols = await sum(tensor(data, [250_000, 4]), 0).data();
          const rows = await sum(tensor(data, [4, 250_000]), 1).data();
          const colRef = [0, 1, 2, 3].map((c) => {
            let s = 0;
            for (let i = c; i < n; i += 4) s += data[i]!;
            return s;
          });
          const rowRef = [0, 1, 2, 3].map((rr) => {
            let s = 0;
            for (let i = rr * 250_000; i < (rr + 1) * 250_000; i++) s += data[i]!;
            return s;
          });
          expectClose(cols, colRef, { atol: 0, rtol: 5e-6 });
          expectClose(rows, rowRef, { atol: 0, rtol: 5e-6 });
        }),
      );
    });
  }

  // gpu: [3000, 40] over axis 0 splits the column kernel; cpu: the serial kernel splits the
  // 40000-long rows of [3, 40000] over axis 1 (few rows, long reductions).
  for (const [policy, shape, axis] of [
    ['gpu', [3000, 40], 0],
    ['cpu', [3, 40_000], 1],
    ['cpu', [3000, 40], 0],
  ] as const) {
    it(`split reductions (partial states, second pass) for every family: [${shape}] axis ${axis} (${policy} policy)`, async () => {
      const n = shape[0] * shape[1];
      const data = randomArray(n, rng(8), -4, 4).map(Math.fround);
      const dims = [...shape];
      await withPolicy(policy, () =>
        tidyAsync(async () => {
          const x = tensor(data, dims);
          for (const op of ['sum', 'max', 'min', 'logsumexp'] as const) {
            const ref = reduceReference(data, dims, [axis], op);
            expectClose(await OPS[op](x, axis).data(), ref.values, { atol: 1e-4, rtol: 1e-5 });
          }
          expect(Array.from(await argmax(x, axis).data())).toEqual(
            reduceReference(data, dims, [axis], 'argmax').values,
          );
          expect(Array.from(await argmin(x, axis).data())).toEqual(
            reduceReference(data, dims, [axis], 'argmin').values,
          );
        }),
      );
    });
  }

  it.each(['gpu', 'cpu'] as const)('argmax/argmin ties pick the first index (%s policy)', async (policy) => {
    await withPolicy(policy, () =>
      tidyAsync(async () => {
        const x = tensor([1, 3, 3, 2, 5, 5, 5, 5, 0, -1, 0, -1], [3, 4]);
        expect(Array.from(await argmax(x, 1).data())).toEqual([1, 0, 0]);
        expect(Array.from(await argmin(x, 1).data())).toEqual([0, 0, 1]);
        expect(Array.from(await argmax(x, 0).data())).toEqual([1, 1, 1, 1]);
        expect(await argmax(x).item()).toBe(4);
        // Long rows with ties spread over the split partials (both policies split 50000).
        const long = new Float32Array(50_000).fill(1);
        long[30_000] = 2;
        long[40_000] = 2;
        expect(await argmax(tensor(long, [50_000])).item()).toBe(30_000);
        const flat = new Float32Array(50_000).fill(-4);
        expect(await argmin(tensor(flat, [50_000])).item()).toBe(0);
      }),
    );
  });

  it('integer reductions keep their dtype', async () => {
    await tidyAsync(async () => {
      const x = tensor([3, -7, 2, 9, -1, 4], [2, 3], 'i32');
      const s = sum(x, 1);
      expect(s.dtype).toBe('i32');
      expect(Array.from(await s.data())).toEqual([-2, 12]);
      expect(Array.from(await max(x, 0).data())).toEqual([9, -1, 4]);
      expect(Array.from(await min(x).data())).toEqual([-7]);
      expect(Array.from(await argmax(x, 1).data())).toEqual([0, 0]);
      expect(Array.from(await sum(tensor([4000000000, 1], [2], 'u32')).data())).toEqual([4000000001]);
      expect(() => mean(x)).toThrow(/needs f32/);
    });
  });

  it('empty dims', async () => {
    await tidyAsync(async () => {
      const e = zeros([0, 3]);
      expect(Array.from(await sum(e, 0).data())).toEqual([0, 0, 0]);
      expect(Array.from(await mean(e, 0).data())).toEqual([NaN, NaN, NaN]);
      expect(Array.from(await logsumexp(e, 0).data())).toEqual([-Infinity, -Infinity, -Infinity]);
      const rows = sum(e, 1);
      expect(rows.shape).toEqual([0]);
      expect(Array.from(await rows.data())).toEqual([]);
      expect(() => max(e, 0)).toThrow(/empty/);
    });
  });

  it('logsumexp is stable at ±100 and ±1e4', async () => {
    const rows = [
      [1e4, 1e4, -1e4],
      [-1e4, -1e4 - 1, -1e4 - 2],
      [100, -100, 0],
      [-Infinity, -Infinity, 5],
      [-Infinity, -Infinity, -Infinity],
    ];
    const out = await tidyAsync(() => logsumexp(tensor(rows.flat(), [5, 3]), 1).data());
    const ref = rows.map((r) => {
      const m = Math.max(...r);
      return m === -Infinity ? m : m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
    });
    expectClose(out, ref, { atol: 1e-6, rtol: 1e-6 });
  });
});

describe.each(['gpu', 'cpu'] as const)(`reductions backward (${platformName}, %s policy)`, (policy) => {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));
  const random = rng(17);
  const shape = [3, 4, 5];
  const data = randomArray(60, random, -2, 2);
  const ref =
    (op: ReduceOp, axes: number[], keepdim = false) =>
    (xs: Float64Array[]) =>
      reduceReference(xs[0]!, shape, axes, op, keepdim).values;

  for (const op of ['sum', 'mean', 'max', 'min', 'logsumexp'] as const) {
    for (const axes of [[1], [0, 2], [0, 1, 2]]) {
      it(`${op} over [${axes}] matches finite differences`, async () => {
        await checkOp({
          inputs: [{ data, shape }],
          op: (x) => OPS[op](x, axes, axes.length === 1),
          ref: ref(op, axes, axes.length === 1),
        });
      });
    }
  }

  it('max over a permuted input sends the gradient to the selected element', async () => {
    const dims = [1, 2, 0];
    await checkOp({
      inputs: [{ data, shape }],
      op: (x) => max(permute(x, dims), 1),
      ref: ([x]) => reduceReference(permutedData(x!, shape, dims), [4, 5, 3], [1], 'max').values,
    });
  });

  it('max ties: the whole gradient goes to the first maximal element (dim semantics)', async () => {
    await tidyAsync(async () => {
      const values = [2, 5, 5, 1, 3, 3];
      const x = tensor(values, [2, 3]);
      x.requiresGrad = true;
      const { values: v, indices } = maxWithIndices(x, 1);
      expect(Array.from(await indices.data())).toEqual([1, 1]);
      backward(v, tensor([10, 20], [2]));
      const expected = selectGradReference([10, 20], [1, 1], [2, 3], [1]);
      expect(Array.from(await x.grad!.data())).toEqual(expected);
      expect(expected).toEqual([0, 10, 0, 0, 20, 0]);
    });
  });

  it('sumToShape reduces leading and size-1 dims', async () => {
    await tidyAsync(async () => {
      const g = tensor(
        Array.from({ length: 24 }, (_, i) => i),
        [2, 3, 4],
      );
      const a = sumToShape(g, [3, 1]);
      expect(a.shape).toEqual([3, 1]);
      // g[i,j,k] = 12i + 4j + k summed over i and k: 60 + 32j.
      expect(Array.from(await a.data())).toEqual([60, 92, 124]);
      expect(Array.from(await sumToShape(g, [4]).data())).toEqual([60, 66, 72, 78]);
      expect(Array.from(await sumToShape(g, []).data())).toEqual([276]);
      expect(sumToShape(g, [2, 3, 4])).toBe(g);
      expect(() => sumToShape(g, [5])).toThrow();
    });
  });

  it('broadcast gradients flow through expand and mul back to small shapes', async () => {
    await checkOp({
      inputs: [
        { data: [0.5, -1, 2], shape: [3, 1] },
        { data: randomArray(12, random), shape: [2, 3, 2] },
      ],
      op: (w, x) => sum(mul(w, x), [0, 2]),
      ref: ([w, x]) =>
        [0, 1, 2].map((r) => w![r]! * (x![r * 2]! + x![r * 2 + 1]! + x![6 + r * 2]! + x![6 + r * 2 + 1]!)),
    });
  });
});

describe(`reduction golden values from PyTorch (${platformName})`, () => {
  it('sum, mean, max, min, logsumexp, argmax', async () => {
    await checkGolden(goldenCase(file, 'sum_all'), (x) => sum(x));
    await checkGolden(goldenCase(file, 'sum_axes_0_2'), (x) => sum(x, [0, 2]));
    await checkGolden(goldenCase(file, 'sum_axis1_keepdim'), (x) => sum(x, 1, true));
    await checkGolden(goldenCase(file, 'mean_axis_neg1'), (x) => mean(x, -1));
    await checkGolden(goldenCase(file, 'mean_all'), (x) => mean(x));
    await checkGolden(goldenCase(file, 'max_axis1'), (x) => max(x, 1));
    await checkGolden(goldenCase(file, 'min_axis0_keepdim'), (x) => min(x, 0, true));
    await checkGolden(goldenCase(file, 'logsumexp_axis2'), (x) => logsumexp(x, 2));
    await checkGolden(goldenCase(file, 'logsumexp_axes_0_1'), (x) => logsumexp(x, [0, 1]));
    await checkGolden(goldenCase(file, 'logsumexp_large'), (x) => logsumexp(x, 1), {
      atol: 1e-3,
      rtol: 1e-6,
    });
    for (const name of ['argmax_ties', 'argmin_ties', 'argmax_all']) {
      const c = goldenCase(file, name);
      const x = c.inputs[0]!;
      const out = await tidyAsync(() => {
        const t = tensor(x.data, x.shape);
        return (
          name === 'argmin_ties' ? argmin(t, 1) : name === 'argmax_all' ? argmax(t) : argmax(t, 1)
        ).data();
      });
      expect(Array.from(out), name).toEqual(c.output.data);
    }
  });
});
