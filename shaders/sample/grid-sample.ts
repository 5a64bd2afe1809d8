/**
 * Bilinear grid_sample of NCHW input at N x P points (padding_mode='zeros'), PyTorch semantics.
 *
 * A point's grid coordinate g maps to pixel space as `a * g + b` per axis: for grids in [-1, 1]
 * with align_corners=False a = W/2, b = (W-1)/2 (i.e. ((g+1)W - 1)/2); with align_corners=True
 * a = b = (W-1)/2. Point sampling with coordinates in [0, 1] (Mask2Former's point_sample) is
 * the same with g' = 2g - 1 folded into a and b. Corners outside the image read as zero.
 *
 * Work is split as (batch, channel block, point): each invocation computes the point's corners
 * once and walks CHANNELS_PER_THREAD channels, and neighbouring invocations handle
 * neighbouring points so output writes coalesce. The input gradient is by default a gather
 * over an inverse index (grid-sample-ordered.ts: the same sum every run); the scatter with CAS
 * float adds below is the 'atomic' scatter mode. The grid gradient reduces over all channels per
 * point.
 */
import { kernel } from '../../engine/kernel.js';
import { atomicAddF32Fn } from '../index/atomic-float.js';

export const CHANNELS_PER_THREAD = 8;

export const pointParams = [
  { name: 'n', type: 'u32' },
  { name: 'channels', type: 'u32' },
  { name: 'in_h', type: 'u32' },
  { name: 'in_w', type: 'u32' },
  { name: 'points', type: 'u32' },
  { name: 'cblocks', type: 'u32' },
  { name: 'ax', type: 'f32' },
  { name: 'bx', type: 'f32' },
  { name: 'ay', type: 'f32' },
  { name: 'by', type: 'f32' },
] as const;

/** Corner addresses (clamped into the image) and weights (zero for corners outside it). */
export const cornersFn = `
struct Corners {
  i00: u32, i01: u32, i10: u32, i11: u32,
  w00: f32, w01: f32, w10: f32, w11: f32,
  fx: f32, fy: f32,
  v00: f32, v01: f32, v10: f32, v11: f32,
};

fn corners(batch: u32, p: u32) -> Corners {
  let gi = (batch * params.points + p) * 2u;
  let w = i32(params.in_w);
  let h = i32(params.in_h);
  // Clamping keeps far-away points outside without overflowing the integer conversion.
  let px = clamp(params.ax * grid[gi] + params.bx, -2.0, f32(w) + 1.0);
  let py = clamp(params.ay * grid[gi + 1u] + params.by, -2.0, f32(h) + 1.0);
  let x0f = floor(px);
  let y0f = floor(py);
  let x0 = i32(x0f);
  let y0 = i32(y0f);
  var c: Corners;
  c.fx = px - x0f;
  c.fy = py - y0f;
  let inx0 = x0 >= 0 && x0 < w;
  let inx1 = x0 + 1 >= 0 && x0 + 1 < w;
  let iny0 = y0 >= 0 && y0 < h;
  let iny1 = y0 + 1 >= 0 && y0 + 1 < h;
  c.v00 = select(0.0, 1.0, iny0 && inx0);
  c.v01 = select(0.0, 1.0, iny0 && inx1);
  c.v10 = select(0.0, 1.0, iny1 && inx0);
  c.v11 = select(0.0, 1.0, iny1 && inx1);
  c.w00 = (1.0 - c.fx) * (1.0 - c.fy) * c.v00;
  c.w01 = c.fx * (1.0 - c.fy) * c.v01;
  c.w10 = (1.0 - c.fx) * c.fy * c.v10;
  c.w11 = c.fx * c.fy * c.v11;
  let cx0 = u32(clamp(x0, 0, w - 1));
  let cx1 = u32(clamp(x0 + 1, 0, w - 1));
  let cy0 = u32(clamp(y0, 0, h - 1));
  let cy1 = u32(clamp(y0 + 1, 0, h - 1));
  c.i00 = cy0 * params.in_w + cx0;
  c.i01 = cy0 * params.in_w + cx1;
  c.i10 = cy1 * params.in_w + cx0;
  c.i11 = cy1 * params.in_w + cx1;
  return c;
}
`;

const splitIndex = `
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
  let p = i % params.points;
  let rest = i / params.points;
  let cb = rest % params.cblocks;
  let batch = rest / params.cblocks;
  let c0 = cb * ${CHANNELS_PER_THREAD}u;
  let c1 = min(c0 + ${CHANNELS_PER_THREAD}u, params.channels);
  let k = corners(batch, p);
  let plane = params.in_h * params.in_w;
`;

export const gridSampleKernel = kernel({
  name: 'grid_sample_bilinear',
  bindings: [
    { name: 'x', type: 'f32', access: 'read' },
    { name: 'grid', type: 'f32', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  params: [...pointParams],
  workgroupSize: [256, 1, 1],
  body: `
${cornersFn}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
${splitIndex}
  for (var c = c0; c < c1; c++) {
    let base = (batch * params.channels + c) * plane;
    out[(batch * params.channels + c) * params.points + p] =
      k.w00 * x[base + k.i00] + k.w01 * x[base + k.i01] + k.w10 * x[base + k.i10] + k.w11 * x[base + k.i11];
  }
}
`,
});

/** grad_x (zeroed, bound as atomic words) += bilinear scatter of the output gradient. */
export const gridSampleInputGradKernel = kernel({
  name: 'grid_sample_bilinear_grad_input',
  bindings: [
    { name: 'grad', type: 'f32', access: 'read' },
    { name: 'grid', type: 'f32', access: 'read' },
    { name: 'grad_x', type: 'atomic<u32>', access: 'read_write' },
  ],
  params: [...pointParams],
  workgroupSize: [256, 1, 1],
  body: `
${cornersFn}
${atomicAddF32Fn('grad_x')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
${splitIndex}
  for (var c = c0; c < c1; c++) {
    let base = (batch * params.channels + c) * plane;
    let g = grad[(batch * params.channels + c) * params.points + p];
    grad_x_atomic_add_f32(base + k.i00, k.w00 * g);
    grad_x_atomic_add_f32(base + k.i01, k.w01 * g);
    grad_x_atomic_add_f32(base + k.i10, k.w10 * g);
    grad_x_atomic_add_f32(base + k.i11, k.w11 * g);
  }
}
`,
});

/** grad_grid[batch, p, :] = (a_x, a_y) * sum over channels of grad * d(sample)/d(pixel coords). */
export const gridSampleGridGradKernel = kernel({
  name: 'grid_sample_bilinear_grad_grid',
  bindings: [
    { name: 'x', type: 'f32', access: 'read' },
    { name: 'grid', type: 'f32', access: 'read' },
    { name: 'grad', type: 'f32', access: 'read' },
    { name: 'grad_grid', type: 'f32', access: 'read_write' },
  ],
  params: [...pointParams],
  workgroupSize: [256, 1, 1],
  body: `
${cornersFn}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
  let p = i % params.points;
  let batch = i / params.points;
  let k = corners(batch, p);
  let plane = params.in_h * params.in_w;
  var dx = 0.0;
  var dy = 0.0;
  for (var c = 0u; c < params.channels; c++) {
    let base = (batch * params.channels + c) * plane;
    let g = grad[(batch * params.channels + c) * params.points + p];
    let v00 = k.v00 * x[base + k.i00];
    let v01 = k.v01 * x[base + k.i01];
    let v10 = k.v10 * x[base + k.i10];
    let v11 = k.v11 * x[base + k.i11];
    dx += g * ((v01 - v00) * (1.0 - k.fy) + (v11 - v10) * k.fy);
    dy += g * ((v10 - v00) * (1.0 - k.fx) + (v11 - v01) * k.fx);
  }
  grad_grid[i * 2u] = dx * params.ax;
  grad_grid[i * 2u + 1u] = dy * params.ay;
}
`,
});

/** The affine map from grid coordinate to pixel coordinate along an axis of `size` pixels. */
export function gridToPixel(
  size: number,
  alignCorners: boolean,
  unitCoords: boolean,
): { a: number; b: number } {
  const a = alignCorners ? (size - 1) / 2 : size / 2;
  const b = (size - 1) / 2;
  // g in [0, 1] is 2g - 1 in [-1, 1]: a(2g - 1) + b.
  return unitCoords ? { a: 2 * a, b: b - a } : { a, b };
}

/**
 * Float64 grid_sample of a dense [N, C, H, W] array at grid [N, P, 2] (x, y) → [N, C, P],
 * zeros padding; `a`/`b` as from `gridToPixel`.
 */
export function gridSampleReference(
  x: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  grid: ArrayLike<number>,
  points: number,
  mapX: { a: number; b: number },
  mapY: { a: number; b: number },
): number[] {
  const [n, c, h, w] = shape;
  const out = new Array<number>(n * c * points).fill(0);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < points; p++) {
      const px = mapX.a * grid[(b * points + p) * 2]! + mapX.b;
      const py = mapY.a * grid[(b * points + p) * 2 + 1]! + mapY.b;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const taps: [number, number, number][] = [
        [y0, x0, (1 - fx) * (1 - fy)],
        [y0, x0 + 1, fx * (1 - fy)],
        [y0 + 1, x0, (1 - fx) * fy],
        [y0 + 1, x0 + 1, fx * fy],
      ];
      for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (const [yy, xx, wt] of taps) {
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) v += wt * x[((b * c + ch) * h + yy) * w + xx]!;
        }
        out[(b * c + ch) * points + p] = v;
      }
    }
  }
  return out;
}
