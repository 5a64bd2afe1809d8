/**
 * Workgroup reduction shared by the normalisation kernels. A workgroup is WG_Y independent rows
 * of WG_X invocations (WG_X a power of two); `row_sum` returns the sum of `v` over the WG_X
 * invocations of the caller's row, to every one of them. Two quantities travel together (vec2)
 * so a backward pass needs one reduction, not two. Call it from uniform control flow only: rows
 * past the end take part with zeros instead of returning early.
 */
export const ROW_REDUCE_WGSL = `
var<workgroup> red: array<vec2<f32>, WG_X * WG_Y>;
fn row_sum(v: vec2<f32>, lx: u32, ly: u32) -> vec2<f32> {
  let base = ly * WG_X;
  red[base + lx] = v;
  workgroupBarrier();
  for (var s = WG_X / 2u; s > 0u; s = s / 2u) {
    if (lx < s) { red[base + lx] = red[base + lx] + red[base + lx + s]; }
    workgroupBarrier();
  }
  let total = red[base];
  workgroupBarrier();
  return total;
}
`;

/** Row-parallel layout for rows of `cols` values: invocations per row and rows per workgroup. */
export function rowLayout(cols: number): [number, number] {
  let x = 32;
  while (x < 256 && x * 4 < cols) x *= 2;
  return [x, 256 / x];
}
