/**
 * Independent checks for the assignment solvers: a brute-force optimum (enumerates every
 * injective map of the smaller side into the larger), a validity check, and random problems of
 * several kinds (continuous, integer-valued with many ties, constant, wide value ranges).
 */
import { rng } from '../util/engine.js';

export type Matrix = number[][];

/** Minimal total cost over all assignments of the smaller side, by enumeration (small sizes). */
export function bruteForceOptimum(cost: Matrix): number {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  if (rows === 0 || cols === 0) return 0;
  const flip = rows > cols;
  const n = flip ? cols : rows;
  const m = flip ? rows : cols;
  const at = (i: number, j: number) => (flip ? cost[j]![i]! : cost[i]![j]!);
  const used = new Array<boolean>(m).fill(false);
  let best = Infinity;
  const walk = (i: number, sum: number): void => {
    if (i === n) {
      best = Math.min(best, sum);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      walk(i + 1, sum + at(i, j));
      used[j] = false;
    }
  };
  walk(0, 0);
  return best;
}

/** Throws unless `assignment` matches min(rows, cols) rows to distinct in-range columns. */
export function checkValidAssignment(cost: Matrix, assignment: ArrayLike<number>, what: string): void {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  if (assignment.length !== rows) throw new Error(`${what}: ${assignment.length} entries for ${rows} rows`);
  const seen = new Set<number>();
  for (let r = 0; r < rows; r++) {
    const c = assignment[r]!;
    if (c === -1) continue;
    if (!Number.isInteger(c) || c < 0 || c >= cols)
      throw new Error(`${what}: row ${r} -> column ${c} of ${cols}`);
    if (seen.has(c)) throw new Error(`${what}: column ${c} assigned twice`);
    seen.add(c);
  }
  if (seen.size !== Math.min(rows, cols)) {
    throw new Error(`${what}: ${seen.size} rows assigned, expected ${Math.min(rows, cols)}`);
  }
}

export type CaseKind = 'uniform' | 'integers' | 'constant' | 'wide-range' | 'signed';

/** A rows × cols matrix of f32-representable values of the given kind. */
export function randomMatrix(rows: number, cols: number, kind: CaseKind, random: () => number): Matrix {
  const constant = Math.fround(random() * 20 - 10);
  const value = (): number => {
    switch (kind) {
      case 'uniform':
        return random();
      case 'integers':
        return Math.floor(random() * 4); // 0..3: many ties
      case 'constant':
        return constant;
      case 'wide-range':
        return (random() < 0.5 ? -1 : 1) * 10 ** (random() * 12 - 6);
      case 'signed':
        return random() * 200 - 100;
    }
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(value())));
}

export interface SmallCase {
  cost: Matrix;
  kind: CaseKind;
}

const KINDS: CaseKind[] = ['uniform', 'integers', 'constant', 'wide-range', 'signed'];

/** `count` random problems with sides 0..maxSide, plus the edge shapes every run must cover. */
export function smallCases(count: number, maxSide: number, seed: number): SmallCase[] {
  const random = rng(seed);
  const cases: SmallCase[] = [];
  const fixed: [number, number][] = [
    [0, 0],
    [0, 4],
    [4, 0],
    [1, 1],
    [1, maxSide],
    [maxSide, 1],
    [maxSide, maxSide],
  ];
  for (const kind of KINDS)
    for (const [r, c] of fixed) cases.push({ cost: randomMatrix(r, c, kind, random), kind });
  while (cases.length < count) {
    const kind = KINDS[Math.floor(random() * KINDS.length)]!;
    const rows = Math.floor(random() * (maxSide + 1));
    const cols = Math.floor(random() * (maxSide + 1));
    cases.push({ cost: randomMatrix(rows, cols, kind, random), kind });
  }
  return cases;
}

/** Tolerance on a total cost: rounding of a few f32 sums of the matrix's largest magnitude. */
export function costTolerance(cost: Matrix, relative: number): number {
  let scale = 0;
  for (const row of cost) for (const x of row) scale = Math.max(scale, Math.abs(x));
  return relative * scale * Math.max(1, Math.min(cost.length, cost[0]?.length ?? 0));
}

/** Packs matrices into the batched layout [B, maxRows, maxCols] (padding = `pad`) + sizes [B, 2]. */
export function packBatch(
  matrices: Matrix[],
  pad = 0,
): { costs: Float32Array; sizes: Int32Array; maxRows: number; maxCols: number } {
  const maxRows = Math.max(0, ...matrices.map((m) => m.length));
  const maxCols = Math.max(0, ...matrices.map((m) => m[0]?.length ?? 0));
  const costs = new Float32Array(matrices.length * maxRows * maxCols).fill(pad);
  const sizes = new Int32Array(matrices.length * 2);
  matrices.forEach((m, b) => {
    sizes[2 * b] = m.length;
    sizes[2 * b + 1] = m[0]?.length ?? 0;
    m.forEach((row, r) => costs.set(row, (b * maxRows + r) * maxCols));
  });
  return { costs, sizes, maxRows, maxCols };
}
