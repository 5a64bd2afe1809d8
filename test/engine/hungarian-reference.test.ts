import { describe, expect, it } from 'vitest';
import {
  AssignmentInputError,
  assignmentCost,
  hungarianBatchedReference,
  linearSumAssignmentReference,
} from '../../shaders/hungarian/reference.js';
import { platformName, rng } from '../util/engine.js';
import {
  bruteForceOptimum,
  checkValidAssignment,
  packBatch,
  randomMatrix,
  smallCases,
} from './hungarian-cases.js';

describe(`hungarian CPU reference (${platformName})`, () => {
  it('reaches the brute-force optimum on hundreds of small problems of every kind', () => {
    const cases = smallCases(600, 6, 11);
    for (const [k, { cost, kind }] of cases.entries()) {
      const what = `case ${k} (${kind}, ${cost.length}x${cost[0]?.length ?? 0})`;
      const assignment = linearSumAssignmentReference(cost);
      checkValidAssignment(cost, assignment, what);
      const total = assignmentCost(cost, assignment);
      const optimum = bruteForceOptimum(cost);
      const tol = 1e-9 * Math.max(1, Math.abs(optimum), ...cost.flat().map(Math.abs));
      if (!(Math.abs(total - optimum) <= tol)) throw new Error(`${what}: total ${total}, optimum ${optimum}`);
    }
  });

  it('solves hand-checked problems', () => {
    // 3x3: 1 + 2 + 2 = 5 (rows 0,1,2 -> cols 1,0,2) beats every other permutation (checked by hand).
    expect(
      linearSumAssignmentReference([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
    ).toEqual([1, 0, 2]);
    // Wide: the row takes its cheapest column. Tall: the column takes its cheapest row.
    expect(linearSumAssignmentReference([[5, 3, 9, 1]])).toEqual([3]);
    expect(linearSumAssignmentReference([[5], [3], [9], [1]])).toEqual([-1, -1, -1, 0]);
    // Greedy would give row 0 column 0 (1) and row 1 column 1 (100); optimum is 2 + 2.
    expect(
      linearSumAssignmentReference([
        [1, 2],
        [2, 100],
      ]),
    ).toEqual([1, 0]);
    expect(linearSumAssignmentReference([])).toEqual([]);
    expect(linearSumAssignmentReference([[], []])).toEqual([-1, -1]);
  });

  it('breaks ties towards a free column, then the lowest index', () => {
    // Constant matrices: each row in turn takes the lowest free column.
    expect(
      linearSumAssignmentReference([
        [7, 7, 7],
        [7, 7, 7],
        [7, 7, 7],
      ]),
    ).toEqual([0, 1, 2]);
    expect(
      linearSumAssignmentReference([
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ]),
    ).toEqual([0, 1]);
    expect(
      linearSumAssignmentReference([
        [2, 2],
        [2, 2],
        [2, 2],
        [2, 2],
      ]),
    ).toEqual([0, 1, -1, -1]);
  });

  it('refuses NaN and infinite costs and ragged rows', () => {
    expect(() => linearSumAssignmentReference([[1, NaN]])).toThrow(AssignmentInputError);
    expect(() =>
      linearSumAssignmentReference([
        [1, 2],
        [Infinity, 0],
      ]),
    ).toThrow(/cost\[1\]\[0\] is Infinity/);
    expect(() => linearSumAssignmentReference([[1, -Infinity]])).toThrow(/finite/);
    expect(() => linearSumAssignmentReference([[1, 2], [3]])).toThrow(/row 1 has 1 costs/);
  });

  it('batched layout: padding ignored, sizes clamped, non-finite problems unassigned', () => {
    const random = rng(5);
    const matrices = [randomMatrix(3, 5, 'uniform', random), randomMatrix(4, 2, 'signed', random), []];
    const { costs, sizes, maxRows, maxCols } = packBatch(matrices, NaN);
    const out = hungarianBatchedReference(costs, sizes, 3, maxRows, maxCols);
    expect(Array.from(out.subarray(0, 4))).toEqual([...linearSumAssignmentReference(matrices[0]!), -1]);
    expect(Array.from(out.subarray(4, 8))).toEqual(linearSumAssignmentReference(matrices[1]!));
    expect(Array.from(out.subarray(8, 12))).toEqual([-1, -1, -1, -1]);
    costs[1] = Infinity; // inside problem 0's block
    const bad = hungarianBatchedReference(costs, sizes, 3, maxRows, maxCols);
    expect(Array.from(bad.subarray(0, 4))).toEqual([-1, -1, -1, -1]);
    expect(Array.from(bad.subarray(4, 8))).toEqual(Array.from(out.subarray(4, 8)));
    expect(() => hungarianBatchedReference(costs, sizes, 3, maxRows, maxCols, true)).toThrow(/problem 0/);
  });
});
