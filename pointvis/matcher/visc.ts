/**
 * The VISC baseline (paper §4.1): no points at all; a video's pseudo labels are its k most
 * confident proposals. Returns their indices, most confident first (ties: lower index first).
 */
export function viscSelect(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`viscSelect: k = ${k}`);
  const order = Array.from({ length: scores.length }, (_, r) => r);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, k);
}
