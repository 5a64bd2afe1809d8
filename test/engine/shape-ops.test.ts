import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  backward,
  chunk,
  concat,
  cumsum,
  dropPath,
  dropout,
  gather,
  gridSample,
  indexSelect,
  interpolate,
  ones,
  pad,
  permute,
  roll,
  scatterAdd,
  slice,
  split,
  stack,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { concatReference, padReference, rollReference } from '../../shaders/index/roll.js';
import golden from '../fixtures/golden/index.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Dense row-major transpose-free permutation of a CPU array (the test's own reference). */
function permuteReference(x: ArrayLike<number>, shape: readonly number[], dims: readonly number[]): number[] {
  const outShape = dims.map((d) => shape[d]!);
  const strides = shape.map((_, i) => size(shape.slice(i + 1)));
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let rest = i;
    let at = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      at += (rest % outShape[d]!) * strides[dims[d]!]!;
      rest = Math.floor(rest / outShape[d]!);
    }
    out.push(x[at]!);
  }
  return out;
}

describe(`concat / stack / split (${platformName})`, () => {
  it('concat matches the reference and finite differences on each axis (incl. an empty part)', async () => {
    const random = rng(1);
    for (const [shapes, axis] of [
      [
        [
          [2, 3],
          [2, 1],
          [2, 4],
        ],
        1,
      ],
      [
        [
          [1, 3, 2],
          [3, 3, 2],
          [0, 3, 2],
        ],
        0,
      ],
      [
        [
          [2, 2, 1],
          [2, 2, 3],
        ],
        -1,
      ],
    ] as [number[][], number][]) {
      const a = axis < 0 ? axis + shapes[0]!.length : axis;
      await checkOp({
        inputs: shapes.map((shape) => ({ data: randomArray(size(shape), random), shape })),
        op: (...xs) => concat(xs, axis),
        ref: (xs) =>
          concatReference(
            xs.map((data, i) => ({ data, shape: shapes[i]! })),
            a,
          ),
      });
    }
  });

  it('concat writes permuted views and i32 data', async () => {
    await tidyAsync(async () => {
      const a = permute(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]); // [[1,4],[2,5],[3,6]]
      const b = tensor([7, 8, 9], [3, 1]);
      expect(Array.from(await concat([a, b], 1).data())).toEqual([1, 4, 7, 2, 5, 8, 3, 6, 9]);
      const c = concat([tensor([1, 2], [2], 'i32'), tensor([-3], [1], 'i32')]);
      expect(c.dtype).toBe('i32');
      expect(Array.from(await c.data())).toEqual([1, 2, -3]);
      expect(() => concat([tensor([1], [1, 1]), tensor([1, 2], [1, 2])], 0)).toThrow(/do not match/);
    });
  });

  it('stack adds an axis and routes gradients to each input', async () => {
    const random = rng(2);
    const shape = [2, 3];
    await checkOp({
      inputs: [0, 1, 2].map(() => ({ data: randomArray(6, random), shape })),
      op: (...xs) => stack(xs, 1),
      ref: (xs) => {
        // stack along 1 = concat of [2,1,3] pieces.
        return concatReference(
          xs.map((data) => ({ data, shape: [2, 1, 3] })),
          1,
        );
      },
    });
  });

  it('split and chunk return views with torch semantics', async () => {
    await tidyAsync(async () => {
      const t = tensor(
        Array.from({ length: 14 }, (_, i) => i),
        [7, 2],
      );
      const parts = split(t, 3, 0);
      expect(parts.map((p) => p.shape[0])).toEqual([3, 3, 1]);
      expect(Array.from(await parts[2]!.data())).toEqual([12, 13]);
      const sized = split(t, [2, 0, 5], 0);
      expect(sized.map((p) => p.shape[0])).toEqual([2, 0, 5]);
      expect(Array.from(await sized[2]!.data())).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
      expect(sized[0]!.storage).toBe(t.storage); // a view, not a copy
      const cols = split(t, 1, 1);
      expect(Array.from(await cols[1]!.data())).toEqual([1, 3, 5, 7, 9, 11, 13]);
      expect(chunk(t, 3, 0).map((p) => p.shape[0])).toEqual([3, 3, 1]);
      expect(chunk(tensor([1, 2], [2]), 5).map((p) => p.shape[0])).toEqual([1, 1]);
      expect(() => split(t, [3, 3], 0)).toThrow(/do not sum/);
    });
  });

  it('split gradients flow back into the right rows', async () => {
    await tidyAsync(async () => {
      const t = tensor(
        Array.from({ length: 6 }, (_, i) => i),
        [3, 2],
      );
      t.requiresGrad = true;
      const [a, b] = split(t, [1, 2], 0) as [Tensor, Tensor];
      backward(a, tensor([10, 20], [1, 2]));
      backward(b, tensor([1, 2, 3, 4], [2, 2]));
      expect(Array.from(await t.grad!.data())).toEqual([10, 20, 1, 2, 3, 4]);
    });
  });
});

describe(`pad / roll (${platformName})`, () => {
  it('pad matches the reference and finite differences (pads, crops, leading dims untouched)', async () => {
    const random = rng(3);
    for (const [shape, pads, value] of [
      [
        [2, 3, 4],
        [
          [1, 2],
          [0, 3],
        ],
        0.5,
      ],
      [
        [3, 5],
        [
          [-1, 2],
          [2, -2],
        ],
        0,
      ],
      [[4], [[3, 0]], -1],
    ] as [number[], [number, number][], number][]) {
      const full = shape.map((_, d) =>
        d < shape.length - pads.length ? ([0, 0] as [number, number]) : pads[d - shape.length + pads.length]!,
      );
      await checkOp({
        inputs: [{ data: randomArray(size(shape), random), shape }],
        op: (x) => pad(x, pads, value),
        ref: ([x]) => padReference(x!, shape, full, value).data,
      });
    }
  });

  it('pad keeps the dtype and pads views', async () => {
    await tidyAsync(async () => {
      const t = slice(tensor([1, 2, 3, 4, 5, 6], [2, 3], 'i32'), 1, 1); // [[2,3],[5,6]]
      const out = pad(
        t,
        [
          [1, 0],
          [0, 1],
        ],
        9,
      );
      expect(out.dtype).toBe('i32');
      expect(out.shape).toEqual([3, 3]);
      expect(Array.from(await out.data())).toEqual([9, 9, 9, 2, 3, 9, 5, 6, 9]);
    });
  });

  it('roll matches the reference and finite differences (negative, oversized, repeated axes)', async () => {
    const random = rng(4);
    for (const [shape, shifts, axes, perDim] of [
      [
        [2, 5, 4],
        [2, -1],
        [1, 2],
        [0, 2, -1],
      ],
      [[3, 4], [7], [0], [7, 0]],
      [[6], [-13], [-1], [-13]],
      [
        [2, 3],
        [1, 1],
        [1, 1],
        [0, 2],
      ],
    ] as [number[], number[], number[], number[]][]) {
      await checkOp({
        inputs: [{ data: randomArray(size(shape), random), shape }],
        op: (x) => roll(x, shifts, axes),
        ref: ([x]) => rollReference(x!, shape, perDim),
      });
    }
  });

  it('roll of a permuted view and of the flattened tensor', async () => {
    await tidyAsync(async () => {
      const data = Array.from({ length: 24 }, (_, i) => i);
      const t = tensor(data, [2, 3, 4]);
      const p = permute(t, [2, 0, 1]);
      const expected = rollReference(permuteReference(data, [2, 3, 4], [2, 0, 1]), [4, 2, 3], [1, 0, 2]);
      expect(Array.from(await roll(p, [1, 2], [0, 2]).data())).toEqual(expected);
      const flat = roll(tensor([1, 2, 3, 4, 5, 6], [2, 3]), 2);
      expect(flat.shape).toEqual([2, 3]);
      expect(Array.from(await flat.data())).toEqual([5, 6, 1, 2, 3, 4]);
    });
  });

  for (const name of ['roll_two_axes', 'roll_flat']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const p = c.params as { shifts: number[]; axes?: number[] };
      await checkGolden(c, (x) => (p.axes ? roll(x, p.shifts, p.axes) : roll(x, p.shifts[0]!)));
    });
  }

  for (const name of ['pad_constant', 'pad_crop']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const p = c.params as { pads: [number, number][]; value: number };
      await checkGolden(c, (x) => pad(x, p.pads, p.value));
    });
  }
});

describe(`memory (${platformName})`, () => {
  it('forward and backward of every op here free all their intermediates', async () => {
    const eng = await useEngine();
    await eng.sync();
    const before = eng.pool.snapshot().liveBytes;
    const x = tensor(randomArray(2 * 3 * 4 * 5, rng(9)), [2, 3, 4, 5]);
    x.requiresGrad = true;
    const grid = tensor(randomArray(2 * 2 * 3 * 2, rng(10)), [2, 2, 3, 2]);
    grid.requiresGrad = true;
    await tidyAsync(async () => {
      const idx = tensor([0, 2, 1], [3], 'i32');
      const parts = [
        concat([x, x], 1),
        stack([x, x], 0),
        pad(
          x,
          [
            [1, -1],
            [2, 0],
          ],
          1,
        ),
        roll(x, [1, 2], [1, 3]),
        gather(x, 1, tensor(new Array(2 * 2 * 4 * 5).fill(1), [2, 2, 4, 5], 'i32')),
        indexSelect(x, 1, idx),
        scatterAdd(x, 1, tensor(new Array(2 * 2 * 4 * 5).fill(2), [2, 2, 4, 5], 'i32'), x),
        cumsum(x, 3, { blockLength: 2 }),
        cumsum(x, 1),
        interpolate(x, { scaleFactor: 1.5 }),
        gridSample(x, grid),
        dropout(x, 0.5, { seed: 1 }),
        dropPath(x, 0.5, { seed: 1 }),
        ...split(x, 2, 2),
      ];
      for (const p of parts) backward(p, ones(p.shape));
      await x.grad!.data();
    });
    x.grad!.dispose();
    grid.grad!.dispose();
    x.dispose();
    grid.dispose();
    await eng.sync();
    expect(eng.pool.snapshot().liveBytes).toBe(before);
  });
});
