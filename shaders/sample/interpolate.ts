/**
 * Bilinear resize of NCHW images with PyTorch's upsample_bilinear2d semantics.
 *
 * Each output row/column maps to a source coordinate: with align_corners=False
 * `src = max(scale * (dst + 0.5) - 0.5, 0)` where scale is in/out (or 1/scale_factor when the
 * caller gave one); with align_corners=True `src = scale * dst`, scale = (in-1)/(out-1). The
 * sample blends taps i0 = floor(src) and i1 = min(i0 + 1, in - 1) with weight src - i0 on i1.
 *
 * The backward is a gather, not a scatter: each input pixel sums the gradient of the output
 * pixels that tapped it. The candidates are a conservative window from inverting the mapping,
 * and each candidate recomputes the forward's taps with the same WGSL, so the weights match
 * the forward exactly and no atomics are needed.
 */
import { kernel } from '../../engine/kernel.js';

const sizeParams = [
  { name: 'n', type: 'u32' },
  { name: 'in_h', type: 'u32' },
  { name: 'in_w', type: 'u32' },
  { name: 'out_h', type: 'u32' },
  { name: 'out_w', type: 'u32' },
  { name: 'scale_h', type: 'f32' },
  { name: 'scale_w', type: 'f32' },
  { name: 'align', type: 'u32' },
] as const;

const tapFn = `
struct Tap { i0: u32, i1: u32, w1: f32 };

fn tap(dst: u32, scale: f32, in_size: u32) -> Tap {
  var s = scale * f32(dst);
  if (params.align == 0u) { s = max(scale * (f32(dst) + 0.5) - 0.5, 0.0); }
  let i0 = min(u32(s), in_size - 1u);
  return Tap(i0, min(i0 + 1u, in_size - 1u), s - f32(i0));
}
`;

export const interpolateBilinearKernel = kernel({
  name: 'interpolate_bilinear',
  bindings: [
    { name: 'x', type: 'f32', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  params: [...sizeParams],
  workgroupSize: [256, 1, 1],
  body: `
${tapFn}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
  let ow = i % params.out_w;
  let rest = i / params.out_w;
  let oh = rest % params.out_h;
  let plane = rest / params.out_h;
  let th = tap(oh, params.scale_h, params.in_h);
  let tw = tap(ow, params.scale_w, params.in_w);
  let base = plane * params.in_h * params.in_w;
  let r0 = base + th.i0 * params.in_w;
  let r1 = base + th.i1 * params.in_w;
  let top = (1.0 - tw.w1) * x[r0 + tw.i0] + tw.w1 * x[r0 + tw.i1];
  let bottom = (1.0 - tw.w1) * x[r1 + tw.i0] + tw.w1 * x[r1 + tw.i1];
  out[i] = (1.0 - th.w1) * top + th.w1 * bottom;
}
`,
});

export const interpolateBilinearBackwardKernel = kernel({
  name: 'interpolate_bilinear_backward',
  bindings: [
    { name: 'grad', type: 'f32', access: 'read' },
    { name: 'grad_x', type: 'f32', access: 'read_write' },
  ],
  params: [...sizeParams],
  workgroupSize: [256, 1, 1],
  body: `
${tapFn}
// Output indices whose taps can include input index src: a window around the inverse mapping,
// widened by one on each side so that float rounding can only add candidates, never drop them.
fn candidates(src: u32, scale: f32, out_size: u32) -> vec2<i32> {
  if (scale <= 0.0) { return vec2<i32>(0, i32(out_size) - 1); }
  let s = f32(src);
  var lo = (s - 1.0) / scale;
  var hi = (s + 1.0) / scale;
  if (params.align == 0u) {
    lo = (s - 0.5) / scale - 0.5;
    hi = (s + 1.5) / scale - 0.5;
  }
  return vec2<i32>(max(i32(floor(lo)) - 1, 0), min(i32(ceil(hi)) + 1, i32(out_size) - 1));
}

fn tap_weight(t: Tap, src: u32) -> f32 {
  return select(0.0, 1.0 - t.w1, t.i0 == src) + select(0.0, t.w1, t.i1 == src);
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
  let w = i % params.in_w;
  let rest = i / params.in_w;
  let h = rest % params.in_h;
  let plane = rest / params.in_h;
  let rows = candidates(h, params.scale_h, params.out_h);
  let cols = candidates(w, params.scale_w, params.out_w);
  let base = plane * params.out_h * params.out_w;
  var acc = 0.0;
  for (var oh = rows.x; oh <= rows.y; oh++) {
    let wh = tap_weight(tap(u32(oh), params.scale_h, params.in_h), h);
    if (wh == 0.0) { continue; }
    var row = 0.0;
    for (var ow = cols.x; ow <= cols.y; ow++) {
      let ww = tap_weight(tap(u32(ow), params.scale_w, params.in_w), w);
      row += ww * grad[base + u32(oh) * params.out_w + u32(ow)];
    }
    acc += wh * row;
  }
  grad_x[i] = acc;
}
`,
});

/** PyTorch's scale for one axis: align_corners, explicit scale factor, or in/out. */
export function bilinearScale(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  scaleFactor?: number,
): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : inSize / outSize;
}

function tapReference(dst: number, scale: number, inSize: number, align: boolean): [number, number, number] {
  const s = align ? scale * dst : Math.max(scale * (dst + 0.5) - 0.5, 0);
  const i0 = Math.min(Math.floor(s), inSize - 1);
  return [i0, Math.min(i0 + 1, inSize - 1), s - i0];
}

/** Float64 bilinear resize of a dense [planes, inH, inW] array to [planes, outH, outW]. */
export function interpolateBilinearReference(
  x: ArrayLike<number>,
  planes: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
  scaleH: number,
  scaleW: number,
  align: boolean,
): number[] {
  const out = new Array<number>(planes * outH * outW);
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < outH; oh++) {
      const [h0, h1, lh] = tapReference(oh, scaleH, inH, align);
      for (let ow = 0; ow < outW; ow++) {
        const [w0, w1, lw] = tapReference(ow, scaleW, inW, align);
        const at = (h: number, w: number) => x[(p * inH + h) * inW + w]!;
        const top = (1 - lw) * at(h0, w0) + lw * at(h0, w1);
        const bottom = (1 - lw) * at(h1, w0) + lw * at(h1, w1);
        out[(p * outH + oh) * outW + ow] = (1 - lh) * top + lh * bottom;
      }
    }
  }
  return out;
}
