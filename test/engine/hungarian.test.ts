import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssignmentInputError,
  ShapeError,
  hungarianBatched,
  linearSumAssignment,
  tensor,
  tidyAsync,
  zeros,
} from '../../engine/index.js';
import {
  assignmentCost,
  hungarianBatchedReference,
  linearSumAssignmentReference,
} from '../../shaders/hungarian/reference.js';
import golden from '../fixtures/golden/hungarian.json';
import { type GoldenFile, checkGolden } from '../util/golden.js';
import { platformName, rng, useEngine } from '../util/engine.js';
import {
  type Matrix,
  bruteForceOptimum,
  checkValidAssignment,
  costTolerance,
  packBatch,
  randomMatrix,
  smallCases,
} from './hungarian-cases.js';

beforeAll(async () => {
  await useEngine();
});

/** Runs one batched dispatch over `matrices` (padding `pad`) and returns each problem's assignment. */
async function solveOnGpu(matrices: Matrix[], pad = 0): Promise<number[][]> {
  const { costs, sizes, maxRows, maxCols } = packBatch(matrices, pad);
  const flat = await tidyAsync(async () =>
    hungarianBatched(
      tensor(costs, [matrices.length, maxRows, maxCols]),
      tensor(sizes, [matrices.length, 2]),
    ).data(),
  );
  expect(flat.length).toBe(matrices.length * maxRows);
  return matrices.map((m, b) => {
    // Padding rows must be -1.
    for (let r = m.length; r < maxRows; r++) expect(flat[b * maxRows + r]).toBe(-1);
    return Array.from(flat.subarray(b * maxRows, b * maxRows + m.length));
  });
}

/**
 * How much worse the second-best assignment is than the optimum (float64 reference): every other
 * assignment drops some (row, column) pair of the optimal one, so forbid each pair in turn.
 */
function secondBestGap(cost: Matrix, optimal: number[]): number {
  const best = assignmentCost(cost, optimal);
  let gap = Infinity;
  optimal.forEach((c, r) => {
    if (c < 0) return;
    const forbidden = cost.map((row) => [...row]);
    forbidden[r]![c] = 1e12;
    gap = Math.min(gap, assignmentCost(cost, linearSumAssignmentReference(forbidden)) - best);
  });
  return gap;
}

describe(`hungarianBatched (${platformName})`, () => {
  it('reaches the brute-force optimum on hundreds of small problems in one dispatch', async () => {
    const cases = smallCases(400, 6, 3);
    const gpu = await solveOnGpu(
      cases.map((c) => c.cost),
      NaN, // padding is never read
    );
    cases.forEach(({ cost, kind }, k) => {
      const what = `case ${k} (${kind}, ${cost.length}x${cost[0]?.length ?? 0})`;
      checkValidAssignment(cost, gpu[k]!, what);
      const total = assignmentCost(cost, gpu[k]!);
      const optimum = bruteForceOptimum(cost);
      // Integer costs are exact in f32: their totals must be equal.
      const tol = kind === 'integers' || kind === 'constant' ? 0 : costTolerance(cost, 1e-6);
      if (!(Math.abs(total - optimum) <= tol))
        throw new Error(`${what}: GPU total ${total}, optimum ${optimum}`);
    });
  });

  it('matches the float64 reference on 100x20, 20x100 and 200x30 problems', async () => {
    const random = rng(21);
    const matrices: Matrix[] = [
      ...Array.from({ length: 16 }, () => randomMatrix(100, 20, 'uniform', random)),
      ...Array.from({ length: 16 }, () => randomMatrix(20, 100, 'uniform', random)),
      randomMatrix(200, 30, 'signed', random),
      randomMatrix(30, 200, 'integers', random),
    ];
    // Two dispatches: the 200-side problems pad the others less this way.
    const gpu = [...(await solveOnGpu(matrices.slice(0, 32))), ...(await solveOnGpu(matrices.slice(32)))];
    let exactChecked = 0;
    matrices.forEach((cost, b) => {
      const what = `problem ${b} (${cost.length}x${cost[0]!.length})`;
      checkValidAssignment(cost, gpu[b]!, what);
      const reference = linearSumAssignmentReference(cost);
      const total = assignmentCost(cost, gpu[b]!);
      const optimum = assignmentCost(cost, reference);
      const tol = b === 33 ? 0 : costTolerance(cost, 1e-6);
      if (!(Math.abs(total - optimum) <= tol))
        throw new Error(`${what}: GPU total ${total}, optimum ${optimum}`);
      // Where the optimum is unique by a margin far above f32 rounding, the assignment must match.
      if (b % 4 === 0 && b < 32 && secondBestGap(cost, reference) > 1e-4) {
        expect(gpu[b], what).toEqual(reference);
        exactChecked++;
      }
    });
    expect(exactChecked).toBeGreaterThan(4);
  });

  it('solves a batch of different sizes; a non-finite problem stays unassigned', async () => {
    const random = rng(8);
    const matrices = [
      randomMatrix(7, 3, 'uniform', random),
      randomMatrix(0, 0, 'uniform', random),
      randomMatrix(2, 9, 'signed', random),
      randomMatrix(9, 9, 'integers', random),
      randomMatrix(1, 1, 'uniform', random),
      randomMatrix(5, 5, 'uniform', random),
      randomMatrix(4, 6, 'wide-range', random),
    ];
    matrices[5]![2]![3] = NaN;
    const { costs, sizes, maxRows, maxCols } = packBatch(matrices, 1e30);
    const expected = hungarianBatchedReference(costs, sizes, matrices.length, maxRows, maxCols);
    const gpu = await solveOnGpu(matrices, 1e30);
    expect(gpu[5]).toEqual([-1, -1, -1, -1, -1]);
    matrices.forEach((cost, b) => {
      if (b === 5) return;
      checkValidAssignment(cost, gpu[b]!, `problem ${b}`);
      const reference = Array.from(expected.subarray(b * maxRows, b * maxRows + cost.length));
      const tol = costTolerance(cost, 1e-6);
      expect(Math.abs(assignmentCost(cost, gpu[b]!) - assignmentCost(cost, reference))).toBeLessThanOrEqual(
        tol,
      );
    });
    // Continuous, unique optima: the same assignments as the reference.
    expect(gpu[0]).toEqual(Array.from(expected.subarray(0, 7)));
    expect(gpu[4]).toEqual([0]);
  });

  it('breaks ties towards a free column, then the lowest index, as the reference does', async () => {
    const gpu = await solveOnGpu([
      [
        [7, 7, 7],
        [7, 7, 7],
        [7, 7, 7],
      ],
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      [
        [2, 2],
        [2, 2],
        [2, 2],
      ],
    ]);
    expect(gpu).toEqual([
      [0, 1, 2],
      [0, 1],
      [0, 1, -1],
    ]);
    // Larger sides: several columns per thread, so ties inside one thread's columns count too.
    const constant = (rows: number, cols: number): Matrix =>
      Array.from({ length: rows }, () => new Array<number>(cols).fill(-3));
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const big = await solveOnGpu([constant(70, 70), constant(2, 130), constant(130, 2)]);
    expect(big).toEqual([range(70), [0, 1], [0, 1, ...new Array<number>(128).fill(-1)]]);
  });

  it('terminates on costs near the f32 range (overflowing path costs): valid or unassigned', async () => {
    const random = rng(13);
    const matrices = Array.from({ length: 20 }, () =>
      Array.from({ length: 6 }, () =>
        Array.from({ length: 5 }, () => Math.fround((random() < 0.5 ? -1 : 1) * 3.4e38 * random())),
      ),
    );
    const gpu = await solveOnGpu(matrices);
    gpu.forEach((a, b) => {
      if (a.every((c) => c === -1)) return;
      checkValidAssignment(matrices[b]!, a, `problem ${b}`);
    });
  });

  it('clamps sizes to the padded shape and handles empty batches and shapes', async () => {
    const cost = [
      [3, 1],
      [1, 3],
    ];
    const out = await tidyAsync(async () =>
      hungarianBatched(tensor(cost.flat(), [1, 2, 2]), tensor([5, -3], [1, 2], 'i32')).toArray(),
    );
    expect(out).toEqual([-1, -1]); // (2 rows, 0 cols)
    const clamped = await tidyAsync(async () =>
      hungarianBatched(tensor(cost.flat(), [1, 2, 2]), tensor([9, 9], [1, 2], 'i32')).toArray(),
    );
    expect(clamped).toEqual([1, 0]);
    const empty = await tidyAsync(async () =>
      hungarianBatched(zeros([3, 4, 0]), tensor([4, 0, 0, 0, 2, 0], [3, 2], 'i32')).toArray(),
    );
    expect(empty).toEqual(new Array(12).fill(-1));
    expect(
      await tidyAsync(async () => hungarianBatched(zeros([0, 4, 4]), zeros([0, 2], 'i32')).toArray()),
    ).toEqual([]);
  });

  it('validates its inputs', async () => {
    await tidyAsync(async () => {
      expect(() => hungarianBatched(zeros([2, 3]), zeros([2, 2], 'i32'))).toThrow(ShapeError);
      expect(() => hungarianBatched(zeros([2, 3, 3], 'i32'), zeros([2, 2], 'i32'))).toThrow(/f32/);
      expect(() => hungarianBatched(zeros([2, 3, 3]), zeros([2, 2]))).toThrow(/sizes must be i32/);
      expect(() => hungarianBatched(zeros([2, 3, 3]), zeros([3, 2], 'i32'))).toThrow(ShapeError);
      expect(() => hungarianBatched(zeros([1, 2, 1025]), zeros([1, 2], 'i32'))).toThrow(/limit of 1024/);
    });
    await expect(linearSumAssignment([[[1, NaN]]])).rejects.toThrow(AssignmentInputError);
    await expect(linearSumAssignment([[[1, 2]], [[1], [2, 3]]])).rejects.toThrow(/problem 1 row 1/);
  });

  it('linearSumAssignment solves CPU matrices of different shapes', async () => {
    const problems = [
      [
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ],
      [[5], [3], [9], [1]],
      [],
      [
        [1, 2],
        [2, 100],
      ],
    ];
    // Optima checked by hand (see the reference test).
    expect(await linearSumAssignment(problems)).toEqual([[1, 0, 2], [-1, -1, -1, 0], [], [1, 0]]);
    expect(await linearSumAssignment([])).toEqual([]);
    expect(await linearSumAssignment([[], []])).toEqual([[], []]);
  });

  it('matches scipy.optimize.linear_sum_assignment (golden)', async () => {
    const file = golden as GoldenFile;
    expect(file.cases.length).toBeGreaterThan(0);
    for (const c of file.cases) await checkGolden(c, hungarianBatched, { atol: 0, rtol: 0 });
  });
});
