import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, type Tensor, backward, tensor, tidyAsync, topk, transpose } from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { orderKeyReference } from '../../shaders/topk/keys.js';
import { topkGradReference, topkReference } from '../../shaders/topk/reference.js';
import golden from '../fixtures/golden/topk.json';
import { checkOp } from '../util/gradcheck.js';
import { type GoldenCase, type GoldenFile, type GoldenTensor, goldenCase } from '../util/golden.js';
import { expectClose, platformName, rng, useEngine } from '../util/engine.js';

interface TopkGoldenCase extends GoldenCase {
  params: { k: number; dim: number; largest: boolean; sorted: boolean };
  indices: GoldenTensor;
}
const file = golden as GoldenFile;
const goldenTopk = (name: string) => goldenCase(file, name) as TopkGoldenCase;

beforeAll(async () => {
  await useEngine();
});

type Policy = 'gpu' | 'cpu';

/** Row data of several kinds, so every case mixes continuous values, ties and special values. */
function rowData(kind: number, m: number, random: () => number, dtype: DType): number[] {
  if (dtype === 'i32')
    return Array.from({ length: m }, () => Math.round((random() - 0.5) * (kind ? 8 : 2e9)));
  if (dtype === 'u32') {
    return Array.from({ length: m }, () =>
      kind ? Math.floor(random() * 5) * 0x40000000 : (random() * 2 ** 32) >>> 0,
    );
  }
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-40, 3.5, -3.5];
  switch (kind % 4) {
    case 0:
      return Array.from({ length: m }, () => (random() - 0.5) * 100);
    case 1:
      return Array.from({ length: m }, () => Math.round((random() - 0.5) * 6)); // many ties
    case 2:
      return Array.from({ length: m }, () => specials[Math.floor(random() * specials.length)]!);
    default:
      return new Array<number>(m).fill(2); // all tied
  }
}

function typedOf(data: readonly number[], dtype: DType): Float32Array | Int32Array | Uint32Array {
  return dtype === 'f32'
    ? Float32Array.from(data)
    : dtype === 'i32'
      ? Int32Array.from(data)
      : Uint32Array.from(data);
}

/** 32-bit words of a typed array, so values compare bit for bit (-0, NaN included). */
function words(a: Float32Array | Int32Array | Uint32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

async function runTopk(
  data: Float32Array | Int32Array | Uint32Array,
  shape: number[],
  k: number,
  dim: number,
  options: { largest: boolean; sorted: boolean },
): Promise<{ values: Float32Array | Int32Array | Uint32Array; indices: number[]; shape: readonly number[] }> {
  return tidyAsync(async () => {
    const r = topk(tensor(data, shape), k, dim, options);
    expect(r.indices.dtype).toBe('i32');
    expect(r.values.shape).toEqual(r.indices.shape);
    return {
      values: await r.values.data(),
      indices: Array.from(await r.indices.data()),
      shape: r.values.shape,
    };
  });
}

/** [rows, m] top-k on the last dim against the reference: same value bits, same indices. */
async function expectRows(
  rows: number,
  m: number,
  k: number,
  largest: boolean,
  sorted: boolean,
  dtype: DType,
  random: () => number,
): Promise<void> {
  const data = Array.from({ length: rows }, (_, r) => rowData(r, m, random, dtype)).flat();
  const typed = typedOf(data, dtype);
  const got = await runTopk(typed, [rows, m], k, -1, { largest, sorted });
  const ref = topkReference(typed, rows, m, k, largest, sorted);
  const what = `${dtype} [${rows}, ${m}] k=${k} largest=${largest} sorted=${sorted}`;
  expect(got.shape, what).toEqual([rows, k]);
  expect(got.indices, `${what} indices`).toEqual(ref.indices);
  expect(words(got.values), `${what} values`).toEqual(words(typedOf(ref.values, dtype)));
}

describe('top-k order keys (CPU)', () => {
  it('order f32 like the reference: -0 = +0, denormals, infinities, NaN above +inf', () => {
    const values = [
      NaN,
      Infinity,
      3.5,
      1e-40,
      0,
      -0,
      -1e-40,
      -3.5,
      -Infinity,
      1,
      -1,
      2 ** -149,
      -(2 ** -149),
    ];
    for (const largest of [false, true]) {
      const ref = topkReference(values, 1, values.length, values.length, largest, true);
      const keys = ref.indices.map((j) => orderKeyReference(values[j]!, 'f32', largest));
      for (let i = 1; i < keys.length; i++) {
        const [a, b] = [ref.values[i - 1]!, ref.values[i]!];
        if (a === b || (Number.isNaN(a) && Number.isNaN(b))) expect(keys[i]).toBe(keys[i - 1]);
        else expect(keys[i]!, `${ref.values[i - 1]} then ${ref.values[i]}`).toBeGreaterThan(keys[i - 1]!);
      }
    }
    expect(orderKeyReference(-0, 'f32', false)).toBe(orderKeyReference(0, 'f32', false));
  });
});

describe.each(['cpu', 'gpu'] as const)(
  `topk forward vs the CPU reference (${platformName}, %s policy)`,
  (policy: Policy) => {
    beforeAll(() => forceReducePolicy(policy));
    afterAll(() => forceReducePolicy(null));

    it('small and odd rows, k = 1 and k = m, every direction and order', async () => {
      const random = rng(policy === 'gpu' ? 11 : 12);
      const cases: [number, number, number, boolean, boolean][] = [
        [4, 37, 1, true, true],
        [4, 37, 37, false, true],
        [4, 37, 10, true, false],
        [4, 37, 10, false, false],
        [5, 1, 1, true, true],
        [3, 255, 77, false, true],
        [4, 300, 300, true, false],
        [2, 513, 129, true, true],
      ];
      for (const [rows, m, k, largest, sorted] of cases) {
        await expectRows(rows, m, k, largest, sorted, 'f32', random);
      }
    });

    it('long rows: the criterion shape, keys cached and not, sorting in workgroup and global memory', async () => {
      const random = rng(policy === 'gpu' ? 21 : 22);
      await expectRows(4, 3072, 768, false, false, 'f32', random); // the criterion's rows
      await expectRows(4, 2000, 1100, true, true, 'f32', random); // sort past SORT_SHARED
      await expectRows(2, 9001, 300, false, true, 'f32', random); // longer than any key cache
    });

    it('i32 and u32 (incl. values past 2^31) with ties', async () => {
      const random = rng(policy === 'gpu' ? 31 : 32);
      for (const dtype of ['i32', 'u32'] as const) {
        await expectRows(4, 50, 13, true, true, dtype, random);
        await expectRows(4, 50, 13, false, false, dtype, random);
      }
    });
  },
);

/** Reference top-k along `dim` of a dense array of `shape`, as a dense array of the result shape. */
function referenceAlong(
  data: ArrayLike<number>,
  shape: number[],
  dim: number,
  k: number,
  largest: boolean,
  sorted: boolean,
): { values: number[]; indices: number[] } {
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const m = shape[dim]!;
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const values = new Array<number>(outer * k * inner);
  const indices = new Array<number>(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const row = Array.from({ length: m }, (_, j) => data[(o * m + j) * inner + i]!);
      const r = topkReference(row, 1, m, k, largest, sorted);
      for (let j = 0; j < k; j++) {
        values[(o * k + j) * inner + i] = r.values[j]!;
        indices[(o * k + j) * inner + i] = r.indices[j]!;
      }
    }
  }
  return { values, indices };
}

describe(`topk along any dim, views and edge cases (${platformName})`, () => {
  it('every dim of a 3-D tensor (negative dims too) matches the reference', async () => {
    const random = rng(41);
    const shape = [4, 6, 5];
    const data = Array.from({ length: 120 }, () => Math.round((random() - 0.5) * 10) / 2);
    for (const [dim, k, largest, sorted] of [
      [0, 2, true, true],
      [1, 3, false, true],
      [-1, 4, true, false],
      [-2, 6, false, false],
    ] as const) {
      const got = await runTopk(Float32Array.from(data), shape, k, dim, { largest, sorted });
      const d = dim < 0 ? dim + 3 : dim;
      const want = referenceAlong(data, shape, d, k, largest, sorted);
      const outShape = [...shape];
      outShape[d] = k;
      expect(got.shape).toEqual(outShape);
      expect(got.indices, `dim ${dim}`).toEqual(want.indices);
      expect(Array.from(got.values), `dim ${dim}`).toEqual(want.values);
    }
  });

  it('reads a transposed view', async () => {
    const random = rng(42);
    const data = Array.from({ length: 35 }, () => random());
    const [values, indices] = await tidyAsync(async () => {
      const r = topk(transpose(tensor(data, [5, 7])), 2, -1); // rows of the transpose: columns
      return [Array.from(await r.values.data()), Array.from(await r.indices.data())];
    });
    const columns = Array.from({ length: 7 }, (_, c) =>
      Array.from({ length: 5 }, (_, r) => Math.fround(data[r * 7 + c]!)),
    ).flat();
    const want = topkReference(columns, 7, 5, 2, true, true);
    expect(indices).toEqual(want.indices);
    expect(values).toEqual(want.values);
  });

  it('k = 0, no rows, a scalar, and k out of range', async () => {
    const empty = await runTopk(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], 0, 1, {
      largest: true,
      sorted: true,
    });
    expect(empty.shape).toEqual([2, 0]);
    expect(empty.indices).toEqual([]);
    const noRows = await runTopk(new Float32Array(0), [0, 4], 2, 1, { largest: true, sorted: true });
    expect(noRows.shape).toEqual([0, 2]);
    const scalar = await runTopk(Float32Array.from([7]), [], 1, 0, { largest: true, sorted: true });
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.values)).toEqual([7]);
    expect(scalar.indices).toEqual([0]);
    await tidyAsync(async () => {
      const x = tensor([1, 2, 3], [3]);
      expect(() => topk(x, 4)).toThrow(/k 4 out of range/);
      expect(() => topk(x, -1)).toThrow(/out of range/);
      expect(() => topk(x, 1.5)).toThrow(/out of range/);
    });
  });
});

describe.each(['cpu', 'gpu'] as const)(`topk backward (${platformName}, %s policy)`, (policy: Policy) => {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));

  /** Distinct values at least 0.25 apart (finite differences never reorder them). */
  function distinct(n: number, random: () => number): number[] {
    const order = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
    return order.map((v) => v * 0.25 - n / 8 + random() * 0.01);
  }

  it('values gradient vs finite differences, last dim', async () => {
    const random = rng(51);
    await checkOp({
      inputs: [{ data: distinct(3 * 9, random), shape: [3, 9] }],
      op: (x) => topk(x, 4, -1, { largest: false }).values,
      ref: ([x]) => topkReference(x!, 3, 9, 4, false, true).values,
    });
  });

  it('values gradient vs finite differences, middle dim, unsorted', async () => {
    const random = rng(52);
    const shape = [2, 7, 3];
    await checkOp({
      inputs: [{ data: distinct(42, random), shape }],
      op: (x) => topk(x, 3, 1, { sorted: false }).values,
      ref: ([x]) => referenceAlong(x!, shape, 1, 3, true, false).values,
    });
  });

  it('scatters the cotangent to the taken positions, ties included', async () => {
    const data = [1, 3, 3, 0, 3, 2, 2, 2, 2, 2];
    const cot = [0.5, -1, 2];
    const grad = await tidyAsync(async () => {
      const x = tensor(data, [2, 5]);
      x.requiresGrad = true;
      const v = topk(x, 3, -1, { sorted: false }).values;
      backward(v, tensor([...cot, ...cot], [2, 3]));
      return Array.from(await x.grad!.data());
    });
    const ref = topkReference(data, 2, 5, 3, true, false);
    expect(grad).toEqual(topkGradReference([...cot, ...cot], ref.indices, 2, 5, 3));
    expect(grad).toEqual([0, 0.5, -1, 0, 2, 0.5, -1, 2, 0, 0]);
  });
});

describe(`topk golden values from PyTorch (${platformName})`, () => {
  async function run(c: TopkGoldenCase, withGrad: boolean) {
    return tidyAsync(async () => {
      const input = c.inputs[0]!;
      const x = tensor(input.data, input.shape, input.dtype ?? 'f32');
      if (withGrad) x.requiresGrad = true;
      const { k, dim, largest, sorted } = c.params;
      const r = topk(x, k, dim, { largest, sorted });
      let grad: number[] | null = null;
      if (withGrad) {
        backward(r.values, tensor(c.cotangent!, r.values.shape));
        grad = Array.from(await (x.grad as Tensor).data());
      }
      return {
        shape: r.values.shape,
        values: Array.from(await r.values.data()),
        indices: Array.from(await r.indices.data()),
        grad,
      };
    });
  }

  const exact = [
    'last_largest',
    'last_smallest',
    'k1',
    'k_full',
    'dim0',
    'dim1_smallest',
    'odd_row',
    'int32',
  ];
  it.each(exact)('%s: values and indices exactly, gradient', async (name) => {
    const c = goldenTopk(name);
    const withGrad = Boolean(c.grads);
    const got = await run(c, withGrad);
    expect(got.shape).toEqual(c.output.shape);
    expect(got.values).toEqual(c.output.data);
    expect(got.indices).toEqual(c.indices.data);
    if (withGrad) expectClose(got.grad!, c.grads![0]!, { atol: 1e-7, rtol: 1e-6 });
  });

  it('unsorted: the same sets of values and indices per row', async () => {
    const c = goldenTopk('unsorted');
    const got = await run(c, false);
    const k = c.params.k;
    for (let r = 0; r < got.values.length / k; r++) {
      const rowOf = (a: number[]) => a.slice(r * k, (r + 1) * k).sort((p, q) => p - q);
      expect(rowOf(got.indices)).toEqual(rowOf(c.indices.data));
      expect(rowOf(got.values)).toEqual(rowOf(c.output.data));
      // Ours come in index order.
      expect(got.indices.slice(r * k, (r + 1) * k)).toEqual(rowOf(got.indices));
    }
  });

  it('ties: the same values, indices pointing at them', async () => {
    const c = goldenTopk('ties');
    const got = await run(c, false);
    expect(got.values).toEqual(c.output.data);
    const m = c.inputs[0]!.shape[1]!;
    const k = c.params.k;
    got.indices.forEach((j, i) => expect(c.inputs[0]!.data[Math.floor(i / k) * m + j]).toBe(got.values[i]));
  });
});
