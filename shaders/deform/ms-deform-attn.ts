/**
 * Multi-scale deformable attention core (Mask2Former's `ms_deform_attn_core`), forward and
 * backward, with the official semantics: per level, bilinear grid_sample with
 * align_corners=False and zero padding (pixel coordinate x·W_l − 0.5; a corner outside the
 * level contributes 0), then a sum over levels and points weighted by the attention weights.
 *
 * Layouts (all dense, f32): value [N, S, M, D], loc [N, Lq, M, L, P, 2] (x, y), attn
 * [N, Lq, M, L, P], out [N, Lq, M·D]. A *group* is one (n, q, m); a *chunk* is VW consecutive
 * channels (VW = 4, 2 or 1, the widest that divides D), read as one vector.
 *
 * Work split, both kernels: workgroup (WG_X, WG_Y) = (chunk lanes, groups). The WG_X lanes of a
 * group walk its chunks, so a group's reads of a value row and its output writes are contiguous
 * across lanes (coalesced over D). Levels are unrolled at compile time (their shapes travel as
 * uniform fields), points are a compile-time loop.
 *
 * Backward, one fused kernel per call:
 * - grad_value is a scatter: each (group, level, point, corner) adds w·corner_weight·g to one
 *   value row with compare-and-swap float adds. A gather formulation would have to find, for
 *   every value cell, the samples that touch it — locations are data-dependent, so that needs a
 *   sort or bucketing of all N·Lq·M·L·P samples by cell (several extra dispatches and their own
 *   atomics) before any arithmetic. The scatter needs none of that; contention is limited to
 *   samples of different queries landing on the same cell of the same head at the same time,
 *   and corners outside the map are skipped.
 * - grad_attn and grad_loc are per-(group, level, point) sums over D. Each lane keeps its own
 *   partial in workgroup memory, one barrier, then the workgroup sums the WG_X partials of each
 *   output (rows padded by one word against bank conflicts) and writes the outputs of all its
 *   groups contiguously. No atomics. Workgroup memory is used rather than subgroup operations
 *   because the subgroup size varies by adapter (and may be smaller than a group's lanes).
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { atomicAddF32Fn } from '../index/atomic-float.js';

export type VectorWidth = 1 | 2 | 4;

/** Workgroup memory budget of the backward kernel: WebGPU's guaranteed minimum. */
export const DEFORM_WORKGROUP_BYTES = 16384;
/** Most lanes per group (a group with more chunks loops over them). */
export const DEFORM_MAX_LANES = 64;
/** Threads per workgroup aimed for. */
export const DEFORM_WORKGROUP_THREADS = 128;

/** The widest vector that divides the channels per head. */
export function vectorWidth(channels: number): VectorWidth {
  if (channels % 4 === 0) return 4;
  if (channels % 2 === 0) return 2;
  return 1;
}

export interface DeformLayout {
  levels: number;
  points: number;
  width: VectorWidth;
  /** Lanes per group (WG_X) and groups per workgroup (WG_Y). */
  lanes: number;
  groups: number;
}

/** Lanes and groups per workgroup for the forward kernel. */
export function forwardLayout(levels: number, points: number, channels: number): DeformLayout {
  const width = vectorWidth(channels);
  const chunks = Math.max(1, channels / width);
  const lanes = Math.min(chunks, DEFORM_MAX_LANES);
  const groups = Math.max(1, Math.floor(DEFORM_WORKGROUP_THREADS / lanes));
  return { levels, points, width, lanes, groups };
}

/** Bytes of workgroup memory the backward reduction needs for a layout. */
export function backwardWorkgroupBytes(l: DeformLayout): number {
  return 3 * 4 * l.groups * l.levels * l.points * (l.lanes + 1);
}

/** Lanes and groups per workgroup for the backward kernel: the forward's, shrunk to fit memory. */
export function backwardLayout(levels: number, points: number, channels: number): DeformLayout {
  const base = forwardLayout(levels, points, channels);
  const lp = levels * points;
  const perLaneRow = 3 * 4 * lp; // bytes per (group, lane) slot row, all (l, p)
  const maxLanes = Math.floor(DEFORM_WORKGROUP_BYTES / perLaneRow) - 1;
  if (maxLanes < 1) {
    throw new RangeError(
      `ms_deform_attn backward: ${levels} levels x ${points} points exceed workgroup memory`,
    );
  }
  const lanes = Math.min(base.lanes, maxLanes);
  const byThreads = Math.floor(DEFORM_WORKGROUP_THREADS / lanes);
  const byMemory = Math.floor(DEFORM_WORKGROUP_BYTES / (perLaneRow * (lanes + 1)));
  const groups = Math.max(1, Math.min(byThreads, byMemory));
  return { ...base, lanes, groups };
}

function vecType(width: VectorWidth): string {
  return width === 1 ? 'f32' : `vec${width}<f32>`;
}

function levelParams(levels: number): ParamField[] {
  const out: ParamField[] = [];
  for (let l = 0; l < levels; l++) {
    out.push(
      { name: `h${l}`, type: 'u32' },
      { name: `w${l}`, type: 'u32' },
      { name: `start${l}`, type: 'u32' },
    );
  }
  return out;
}

/** Uniform fields shared by both kernels (plus h<l>, w<l>, start<l> per level). */
const commonParams: ParamField[] = [
  { name: 'groups', type: 'u32' }, // N·Lq·M
  { name: 'heads', type: 'u32' }, // M
  { name: 'queries', type: 'u32' }, // Lq
  { name: 'tokens', type: 'u32' }, // S
  { name: 'chunks', type: 'u32' }, // D / VW
];

/** Level shapes as uniform values, plus the level start offsets. */
export function levelParamValues(shapes: readonly (readonly [number, number])[]): Record<string, number> {
  const v: Record<string, number> = {};
  let start = 0;
  shapes.forEach(([h, w], l) => {
    v[`h${l}`] = h;
    v[`w${l}`] = w;
    v[`start${l}`] = start;
    start += h * w;
  });
  return v;
}

/**
 * WGSL: the bilinear taps of one sampling location on an h×w level. Corner indices are clamped
 * into the level (so reads stay in bounds); `in*` is 1 for a corner inside the level, else 0.
 */
const tapFn = `
struct Tap {
  i00: u32, i01: u32, i10: u32, i11: u32,
  in00: f32, in01: f32, in10: f32, in11: f32,
  fx: f32, fy: f32,
};

fn make_tap(loc: vec2<f32>, h: u32, w: u32) -> Tap {
  let wf = f32(w);
  let hf = f32(h);
  // grid_sample, align_corners=False: pixel = ((2x - 1 + 1)·W - 1) / 2 = x·W - 0.5. Clamping
  // keeps far-away points far away without overflowing the integer conversion.
  let px = clamp(loc.x * wf - 0.5, -2.0, wf + 1.0);
  let py = clamp(loc.y * hf - 0.5, -2.0, hf + 1.0);
  let x0f = floor(px);
  let y0f = floor(py);
  let x0 = i32(x0f);
  let y0 = i32(y0f);
  let wi = i32(w);
  let hi = i32(h);
  let okx0 = x0 >= 0 && x0 < wi;
  let okx1 = x0 + 1 >= 0 && x0 + 1 < wi;
  let oky0 = y0 >= 0 && y0 < hi;
  let oky1 = y0 + 1 >= 0 && y0 + 1 < hi;
  var t: Tap;
  t.fx = px - x0f;
  t.fy = py - y0f;
  t.in00 = select(0.0, 1.0, oky0 && okx0);
  t.in01 = select(0.0, 1.0, oky0 && okx1);
  t.in10 = select(0.0, 1.0, oky1 && okx0);
  t.in11 = select(0.0, 1.0, oky1 && okx1);
  let cx0 = u32(clamp(x0, 0, wi - 1));
  let cx1 = u32(clamp(x0 + 1, 0, wi - 1));
  let cy0 = u32(clamp(y0, 0, hi - 1));
  let cy1 = u32(clamp(y0 + 1, 0, hi - 1));
  t.i00 = cy0 * w + cx0;
  t.i01 = cy0 * w + cx1;
  t.i10 = cy1 * w + cx0;
  t.i11 = cy1 * w + cx1;
  return t;
}
`;

/** WGSL: one corner's value chunk, zero (and not read) outside the level. */
function cornerFn(width: VectorWidth): string {
  return `
fn corner(inside: f32, row: u32) -> VT {
  if (inside != 0.0) { return value[row]; }
  return VT(0.0);
}
fn vdot(a: VT, b: VT) -> f32 {
  return ${width === 1 ? 'a * b' : 'dot(a, b)'};
}
`;
}

/** Group index and its (n, m) from the workgroup and lane ids. */
const groupIndex = `
  let wg = flat_workgroup_index(wid, nwg);
  let group = wg * WG_Y + lid.y;
  let valid = group < params.groups;
  let m = group % params.heads;
  let n = group / (params.heads * params.queries);
  // value row stride (in vectors) between tokens, and chunk 0 of token 0 of (n, m).
  let tok_stride = params.heads * params.chunks;
  let vrow0 = (n * params.tokens * params.heads + m) * params.chunks;
`;

