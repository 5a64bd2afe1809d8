/**
 * CPU reference (float64) of the linear assignment problem with the semantics of
 * scipy.optimize.linear_sum_assignment: for a rows × cols cost matrix, every row of the smaller
 * side is matched to a distinct member of the larger side and the total cost is minimal.
 *
 * Algorithm: shortest augmenting paths with dual potentials (Jonker–Volgenant / Crouse), O(n²m)
 * for n ≤ m. One free row at a time grows a Dijkstra-like search over columns on reduced costs
 * c[i][j] − u[i] − v[j] ≥ 0; the potentials are updated once per augmentation (not per step).
 * Tall matrices (rows > cols) are solved transposed. Ties between equally short columns go to a
 * free column first, then to the lowest index — the same rule as the WGSL kernel, so both walk
 * the same path when their arithmetic agrees.
 *
 * Costs must be finite: NaN or ±Infinity is refused with an error (forbid a pair with a large
 * finite cost instead, as Mask2Former-style matchers do).
 */

import { EngineError } from '../../engine/errors.js';

/** Raised for costs the solver refuses (non-finite values, ragged rows). */
export class AssignmentInputError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'AssignmentInputError';
  }
}

interface WideSolution {
  /** Column of each of the n rows. */
  col4row: Int32Array;
  /** Row of each of the m columns, -1 when unmatched. */
  row4col: Int32Array;
}

/** Solves a dense row-major n × m problem with n ≤ m; every row gets a column. */
export function solveWideAssignment(n: number, m: number, c: ArrayLike<number>): WideSolution {
  if (n > m) throw new AssignmentInputError(`solveWideAssignment: needs rows ≤ cols, got ${n} × ${m}`);
  const u = new Float64Array(n);
  const v = new Float64Array(m);
  const row4col = new Int32Array(m).fill(-1);
  const spc = new Float64Array(m); // shortest path cost to each column in this search
  const way = new Int32Array(m); // column through which the row that reached j was reached (-1: the free row)
  const inSC = new Uint8Array(m);
  const visited = new Int32Array(m);
  for (let cur = 0; cur < n; cur++) {
    spc.fill(Infinity);
    inSC.fill(0);
    let nVisited = 0;
    let minVal = 0;
    let i = cur;
    let via = -1;
    let sink = -1;
    while (sink < 0) {
      let lowest = Infinity;
      let best = -1;
      let bestFree = false;
      const ui = u[i]!;
      const rowOffset = i * m;
      for (let j = 0; j < m; j++) {
        if (inSC[j]) continue;
        const r = minVal + c[rowOffset + j]! - ui - v[j]!;
        if (r < spc[j]!) {
          spc[j] = r;
          way[j] = via;
        }
        const s = spc[j]!;
        const free = row4col[j]! < 0;
        if (s < lowest || (s === lowest && free && !bestFree)) {
          lowest = s;
          best = j;
          bestFree = free;
        }
      }
      if (best < 0)
        throw new AssignmentInputError('solveWideAssignment: no reachable column (non-finite costs?)');
      minVal = lowest;
      inSC[best] = 1;
      visited[nVisited++] = best;
      if (bestFree) sink = best;
      else {
        i = row4col[best]!;
        via = best;
      }
    }
    // Duals: rows and columns settled in this search move by how far short of the sink they were.
    u[cur] = u[cur]! + minVal;
    for (let k = 0; k < nVisited; k++) {
      const j = visited[k]!;
      const d = minVal - spc[j]!;
      v[j] = v[j]! - d;
      if (j !== sink) {
        const r = row4col[j]!;
        u[r] = u[r]! + d;
      }
    }
    // Augment: shift each row on the path one column towards the sink.
    let j = sink;
    for (;;) {
      const w = way[j]!;
      if (w < 0) {
        row4col[j] = cur;
        break;
      }
      row4col[j] = row4col[w]!;
      j = w;
    }
  }
  const col4row = new Int32Array(n).fill(-1);
  for (let j = 0; j < m; j++) if (row4col[j]! >= 0) col4row[row4col[j]!] = j;
  return { col4row, row4col };
}

/**
 * Solves one rows × cols problem given as a row-major accessor; returns the column of each row
 * (-1 for rows left out when rows > cols). `where` names the problem in error messages.
 */
function solveRectangular(
  rows: number,
  cols: number,
  at: (r: number, c: number) => number,
  where: string,
): number[] {
  const out = new Array<number>(rows).fill(-1);
  if (rows === 0 || cols === 0) return out;
  const flip = rows > cols;
  const n = flip ? cols : rows;
  const m = flip ? rows : cols;
  const c = new Float64Array(n * m);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const x = at(r, k);
      if (!Number.isFinite(x)) {
        throw new AssignmentInputError(
          `${where}: cost[${r}][${k}] is ${x}; costs must be finite (use a large finite cost to forbid a pair)`,
        );
      }
      c[flip ? k * m + r : r * m + k] = x;
    }
  }
  const { col4row, row4col } = solveWideAssignment(n, m, c);
  if (flip) for (let r = 0; r < rows; r++) out[r] = row4col[r]!;
  else for (let r = 0; r < rows; r++) out[r] = col4row[r]!;
  return out;
}

/** Column assigned to each row of `cost` (rows × cols, rectangular), -1 for unassigned rows. */
export function linearSumAssignmentReference(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  cost.forEach((row, r) => {
    if (row.length !== cols) {
      throw new AssignmentInputError(
        `linearSumAssignmentReference: row ${r} has ${row.length} costs, row 0 has ${cols}`,
      );
    }
  });
  return solveRectangular(rows, cols, (r, c) => cost[r]![c]!, 'linearSumAssignmentReference');
}

/**
 * The batched layout of the GPU op: costs [batch, maxRows, maxCols] (row-major, padding
 * ignored), sizes [batch, 2] = (rows, cols) per problem, clamped to [0, max]. Returns
 * [batch, maxRows] columns, -1 for unassigned and padding rows. Like the kernel, a problem
 * holding a non-finite cost is left wholly unassigned (-1) unless `strict` asks for an error.
 */
export function hungarianBatchedReference(
  costs: ArrayLike<number>,
  sizes: ArrayLike<number>,
  batch: number,
  maxRows: number,
  maxCols: number,
  strict = false,
): Int32Array {
  const out = new Int32Array(batch * maxRows).fill(-1);
  for (let b = 0; b < batch; b++) {
    const rows = Math.min(Math.max(sizes[2 * b]!, 0), maxRows);
    const cols = Math.min(Math.max(sizes[2 * b + 1]!, 0), maxCols);
    const base = b * maxRows * maxCols;
    let assignment: number[];
    try {
      assignment = solveRectangular(rows, cols, (r, c) => costs[base + r * maxCols + c]!, `problem ${b}`);
    } catch (err) {
      if (strict || !(err instanceof AssignmentInputError)) throw err;
      continue;
    }
    out.set(assignment, b * maxRows);
  }
  return out;
}

/** Sum of cost[r][assignment[r]] over assigned rows. */
export function assignmentCost(cost: readonly (readonly number[])[], assignment: ArrayLike<number>): number {
  let total = 0;
  for (let r = 0; r < cost.length; r++) {
    const c = assignment[r]!;
    if (c >= 0) total += cost[r]![c]!;
  }
  return total;
}
