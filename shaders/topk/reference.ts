/**
 * CPU reference of top-k over the last axis of a dense [rows, m] array, by sorting (independent
 * of the kernels' radix select). The order it defines is the contract of engine/ops/topk.ts:
 *  - values compare numerically, -0 equals +0, NaN ranks above +inf (as in PyTorch);
 *  - among equal values the lower index comes first, both for which ones are taken and, when
 *    sorted, for their order;
 *  - sorted: best first (largest first when `largest`); unsorted: the taken elements in
 *    increasing index order.
 */
export interface TopkReferenceResult {
  values: number[];
  indices: number[];
}

/** −1, 0 or 1: a before b, tie, after, in increasing order (NaN last, -0 = +0). */
function ascending(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function topkReference(
  data: ArrayLike<number>,
  rows: number,
  m: number,
  k: number,
  largest: boolean,
  sorted: boolean,
): TopkReferenceResult {
  const values: number[] = [];
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    const at = (j: number) => data[r * m + j]!;
    const order = Array.from({ length: m }, (_, j) => j).sort((i, j) => {
      const c = largest ? ascending(at(j), at(i)) : ascending(at(i), at(j));
      return c || i - j;
    });
    const taken = order.slice(0, k);
    if (!sorted) taken.sort((i, j) => i - j);
    for (const j of taken) {
      values.push(at(j));
      indices.push(j);
    }
  }
  return { values, indices };
}

/** Backward reference: the gradient of each taken value goes to its input position. */
export function topkGradReference(
  g: ArrayLike<number>,
  indices: ArrayLike<number>,
  rows: number,
  m: number,
  k: number,
): number[] {
  const out = new Array<number>(rows * m).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) out[r * m + indices[r * k + j]!] = g[r * k + j]!;
  }
  return out;
}
