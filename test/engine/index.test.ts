import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  cumsum,
  gather,
  indexSelect,
  oneHot,
  permute,
  scatterAdd,
  setScatterMode,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { gatherReference, indexSelectReference, scatterAddReference } from '../../shaders/index/gather.js';
import { cumsumReference } from '../../shaders/index/cumsum.js';
import { oneHotReference } from '../../shaders/index/one-hot.js';
import golden from '../fixtures/golden/index.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectBitIdenticalRuns } from '../util/repeat.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

function randomIndex(n: number, high: number, random: () => number): number[] {
  return Array.from({ length: n }, () => Math.floor(random() * high));
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe(`gather / scatter_add / index_select (${platformName})`, () => {
  it('gather matches the reference and finite differences (index smaller than x, any axis)', async () => {
    const random = rng(1);
    const cases: [number[], number, number[]][] = [
      [[3, 4, 5], 1, [2, 7, 4]],
      [[3, 4, 5], 0, [5, 4, 5]],
      [[6], 0, [9]],
      [[2, 3, 4, 5], 3, [2, 2, 4, 3]],
    ];
    for (const [xShape, axis, idxShape] of cases) {
      const index = randomIndex(size(idxShape), xShape[axis]!, random);
      await checkOp({
        inputs: [
          { data: randomArray(size(xShape), random), shape: xShape },
          { data: index, shape: idxShape, dtype: 'i32', grad: false },
        ],
        op: (x, i) => gather(x, axis, i),
        ref: ([x]) => gatherReference(x!, xShape, axis, index, idxShape),
      });
    }
  });

  it('gather reads a permuted view and gives 0 for out-of-range indices', async () => {
    await tidyAsync(async () => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const xt = permute(x, [1, 0]); // [[1,4],[2,5],[3,6]]
      const out = gather(xt, 1, tensor([1, 0, 0, 7, -1, 1], [3, 2], 'i32'));
      expect(Array.from(await out.data())).toEqual([4, 1, 2, 0, 0, 6]);
      const ints = gather(tensor([10, 20, 30], [3], 'i32'), 0, tensor([2, 2, 0], [3], 'i32'));
      expect(Array.from(await ints.data())).toEqual([30, 30, 10]);
      const empty = gather(x, 1, tensor([], [2, 0], 'i32'));
      expect(empty.shape).toEqual([2, 0]);
      expect(
        Array.from(await scatterAdd(x, 0, tensor([], [0, 3], 'i32'), tensor([], [0, 3])).data()),
      ).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  it('scatter_add matches the reference and finite differences (x and src, src larger than index)', async () => {
    const random = rng(2);
    const cases: [number[], number, number[], number[]][] = [
      [[4, 5], 0, [3, 5], [3, 5]],
      [[4, 5], 1, [4, 3], [5, 6]],
      [[2, 3, 4], 2, [2, 3, 9], [2, 3, 9]],
    ];
    for (const [xShape, axis, idxShape, srcShape] of cases) {
      const index = randomIndex(size(idxShape), xShape[axis]!, random);
      await checkOp({
        inputs: [
          { data: randomArray(size(xShape), random), shape: xShape },
          { data: index, shape: idxShape, dtype: 'i32', grad: false },
          { data: randomArray(size(srcShape), random), shape: srcShape },
        ],
        op: (x, i, s) => scatterAdd(x, axis, i, s),
        ref: ([x, , s]) => scatterAddReference(x!, xShape, axis, index, idxShape, s!, srcShape),
      });
    }
  });

  it('scatter_add accumulates thousands of colliding adds exactly (f32 ordered sums, i32 atomics)', async () => {
    await tidyAsync(async () => {
      const n = 5000;
      const index = tensor(
        Array.from({ length: n }, (_, i) => i % 2),
        [1, n],
        'i32',
      );
      const f = scatterAdd(tensor([0, 0, 0], [1, 3]), 1, index, tensor(new Array(n).fill(1), [1, n]));
      expect(Array.from(await f.data())).toEqual([n / 2, n / 2, 0]);
      const i = scatterAdd(
        tensor([5, 0, 0], [1, 3], 'i32'),
        1,
        index,
        tensor(new Array(n).fill(2), [1, n], 'i32'),
      );
      expect(Array.from(await i.data())).toEqual([5 + n, n, 0]);
    });
  });

  describe('f32 scatter-adds under heavy collisions', () => {
    // 12,000 random values into 3 destinations per row (and 4000 picks of 4 rows): thousands of
    // adds per destination, so any change in their order between runs would change the rounding.
    const random = rng(71);
    const [rows, n, bins] = [2, 12000, 3];
    const index = randomIndex(rows * n, bins + 1, random).map((k) => (k === bins ? -1 : k)); // ~1/4 skipped
    const src = randomArray(rows * n, random).map((v) => Math.fround(v));
    const base = randomArray(rows * bins, random).map((v) => Math.fround(v));
    const picks = randomIndex(4000, 4, random);
    const g = randomArray(3 * 4000 * 2, random).map((v) => Math.fround(v));

    async function scatters(): Promise<Float32Array[]> {
      return tidyAsync(async () => {
        const idx = tensor(index, [rows, n], 'i32');
        const added = scatterAdd(tensor(base, [rows, bins]), 1, idx, tensor(src, [rows, n]));
        // gather's adjoint is the same scatter; index_select's sums picked slices per row.
        const x = tensor(new Array(rows * bins).fill(0), [rows, bins]);
        x.requiresGrad = true;
        backward(
          gather(
            x,
            1,
            tensor(
              index.map((k) => Math.max(k, 0)),
              [rows, n],
              'i32',
            ),
          ),
          tensor(src, [rows, n]),
        );
        const table = tensor(new Array(3 * 4 * 2).fill(0), [3, 4, 2]);
        table.requiresGrad = true;
        backward(indexSelect(table, 1, tensor(picks, [4000], 'i32')), tensor(g, [3, 4000, 2]));
        const out: Float32Array[] = [];
        for (const t of [added, x.grad!, table.grad!]) out.push(Float32Array.from(await t.data()));
        return out;
      });
    }

    /** index_select's adjoint in float64, straight from its definition. */
    function indexAddReference(): number[] {
      const out = new Array<number>(3 * 4 * 2).fill(0);
      for (let o = 0; o < 3; o++)
        for (let j = 0; j < 4000; j++)
          for (let i = 0; i < 2; i++) out[(o * 4 + picks[j]!) * 2 + i] += g[(o * 4000 + j) * 2 + i]!;
      return out;
    }

    function expectReference([added, gathered, selected]: Float32Array[]): void {
      // ~3000 terms of size ≤ 1 per destination; the float64 sums reach ~60.
      const tol = { atol: 2e-4, rtol: 1e-4 };
      expectClose(added!, scatterAddReference(base, [rows, bins], 1, index, [rows, n], src, [rows, n]), tol);
      const clamped = index.map((k) => Math.max(k, 0));
      const zeros = new Array<number>(rows * bins).fill(0);
      expectClose(
        gathered!,
        scatterAddReference(zeros, [rows, bins], 1, clamped, [rows, n], src, [rows, n]),
        tol,
      );
      expectClose(selected!, indexAddReference(), tol);
    }

    it('scatter_add, gather and index_select backward: bit-identical on 5 runs, equal to float64', async () => {
      expectReference(await expectBitIdenticalRuns(scatters));
    });

    it('still match the reference in the atomic scatter mode (the switch)', async () => {
      const previous = setScatterMode('atomic');
      try {
        expectReference(await scatters());
      } finally {
        setScatterMode(previous);
      }
    });
  });

  it('index_select matches the reference and finite differences (repeated indices)', async () => {
    const random = rng(3);
    for (const [shape, axis, indices] of [
      [[4, 5, 3], 1, [3, 0, 3, 2, 4]],
      [[6, 2], 0, [5, 5, 5]],
      [[3, 4], 1, []],
    ] as [number[], number, number[]][]) {
      await checkOp({
        inputs: [
          { data: randomArray(size(shape), random), shape },
          { data: indices, shape: [indices.length], dtype: 'i32', grad: false },
        ],
        op: (x, i) => indexSelect(x, axis, i),
        ref: ([x]) => indexSelectReference(x!, shape, axis, indices),
      });
    }
  });

  it('one_hot matches the reference (f32 and i32, out-of-range rows are zero)', async () => {
    await tidyAsync(async () => {
      const labels = [0, 3, 2, 2, 1, 7, -1];
      const f = oneHot(tensor(labels, [7], 'i32'), 4);
      expect(f.shape).toEqual([7, 4]);
      expect(Array.from(await f.data())).toEqual(oneHotReference(labels, 4));
      const i = oneHot(tensor([1, 0, 2, 2], [2, 2], 'i32'), 3, 'i32');
      expect(i.shape).toEqual([2, 2, 3]);
      expect(Array.from(await i.data())).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1]);
    });
  });

  for (const name of ['gather_axis1', 'gather_axis_last', 'index_select_axis1']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const axis = (c.params as { axis: number }).axis;
      const op = name.startsWith('gather') ? gather : indexSelect;
      await checkGolden(c, (x, i) => op(x, axis, i));
    });
  }

  for (const name of ['scatter_add_axis0', 'scatter_add_axis1_big_src']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const axis = (c.params as { axis: number }).axis;
      await checkGolden(c, (x, i, s) => scatterAdd(x, axis, i, s));
    });
  }

  it('matches PyTorch: one_hot', async () => {
    const c = goldenCase(file, 'one_hot');
    await checkGolden(c, (i) => oneHot(i, (c.params as { classes: number }).classes));
  });
});

describe(`cumsum (${platformName})`, () => {
  it('matches the reference and finite differences on each axis', async () => {
    const random = rng(4);
    for (const [shape, axis] of [
      [[3, 7], 1],
      [[3, 7], 0],
      [[2, 5, 3], 1],
      [[1300], 0],
      [[4, 45], 1],
    ] as [number[], number][]) {
      await checkOp({
        inputs: [{ data: randomArray(size(shape), random), shape }],
        op: (x) => cumsum(x, axis),
        ref: ([x]) => cumsumReference(x!, shape, axis),
        forwardTol: { atol: 1e-4, rtol: 1e-4 },
      });
    }
  });

  // Small integers keep every f32 partial sum exact, so the scan must match bit for bit.
  const ints = (n: number, seed: number) => randomIndex(n, 7, rng(seed)).map((v) => v - 3);

  it('scans long rows exactly (block split, recursion, reverse, i32)', async () => {
    await tidyAsync(async () => {
      const long = ints(3 * 20000, 5);
      const out = cumsum(tensor(long, [3, 20000]), 1);
      expect(Array.from(await out.data())).toEqual(cumsumReference(long, [3, 20000], 1));
      const rev = cumsum(tensor(long, [3, 20000]), -1, { reverse: true });
      expect(Array.from(await rev.data())).toEqual(cumsumReference(long, [3, 20000], 1, true));
      // Blocks of 3 force three levels of block sums on 37 elements.
      const small = ints(2 * 37, 6);
      for (const reverse of [false, true]) {
        const t = cumsum(tensor(small, [2, 37]), 1, { blockLength: 3, reverse });
        expect(Array.from(await t.data())).toEqual(cumsumReference(small, [2, 37], 1, reverse));
      }
      const i32 = cumsum(tensor(long, [3, 20000], 'i32'), 1, { blockLength: 1000 });
      expect(Array.from(await i32.data())).toEqual(cumsumReference(long, [3, 20000], 1));
      const col = ints(5000 * 3, 7);
      const c = cumsum(tensor(col, [5000, 3], 'i32'), 0, { reverse: true });
      expect(Array.from(await c.data())).toEqual(cumsumReference(col, [5000, 3], 0, true));
      expect(Array.from(await cumsum(tensor([], [0, 4]), 1).data())).toEqual([]);
    });
  });

  it('reverse cumsum gradient matches finite differences', async () => {
    const random = rng(8);
    await checkOp({
      inputs: [{ data: randomArray(40, random), shape: [4, 10] }],
      op: (x) => cumsum(x, 1, { reverse: true, blockLength: 4 }),
      ref: ([x]) => cumsumReference(x!, [4, 10], 1, true),
    });
  });

  for (const name of ['cumsum_last', 'cumsum_middle']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      await checkGolden(c, (x) => cumsum(x, (c.params as { axis: number }).axis));
    });
  }

  it('rejects u32 input', () => {
    expect(() => cumsum(tensor([1, 2], [2], 'u32'), 0)).toThrow(/f32 or i32/);
  });
});
