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
 * Work split, both kernels: workgroup (WG_X, WG_Y) = (chunk lanes, groups). On GPUs the WG_X
 * lanes of a group walk its chunks side by side, so a group's reads of a value row and its
 * output writes are contiguous across lanes (coalesced over D); on CPU adapters WG_X = 1 (see
 * `DeformLayout`). Level shapes travel as uniform fields; levels and points are runtime loops
 * with one copy of the sampling code each, so the kernels stay small (an unrolled backward took
 * SwiftShader ~10 s to compile) and the GPU's compiler is free to unroll.
 *
 * Backward, one fused kernel per call, in one of two scatter modes for grad_value (engine/ops/
 * scatter-mode.ts):
 * - 'plan' (the default, deterministic): the kernel only writes, per (group, level, point), its
 *   four corners' value rows (none outside the level) and weights attn·corner_weight. The op then
 *   builds the inverse index of those rows (shaders/index/inverse-index.ts: per row, its corner
 *   keys in increasing order) and `value-grad-ordered.ts` sums each row's contributions in that
 *   order — the same float sum every run. Locations are data-dependent, so the gather needs that
 *   index; it costs a few light dispatches and two u32 atomics per corner (a count and a slot).
 * - 'atomic': each (group, level, point, corner) adds w·corner_weight·g to its value row with
 *   compare-and-swap float adds; the order, hence the rounding, varies between runs. Contention
 *   comes from samples of different queries landing on the same cell of the same head at the
 *   same time (most on the coarsest level); the lanes of a group add to consecutive words, and
 *   corners outside the map are skipped.
 * - grad_attn and grad_loc are per-(group, level, point) sums over D. Each lane keeps its own
 *   partial in workgroup memory, one barrier, then the workgroup sums the WG_X partials of each
 *   output (rows padded by one word against bank conflicts) and writes the outputs of all its
 *   groups contiguously. No atomics. With WG_X = 1 the invocation's own sums are the outputs.
 *   Workgroup memory rather than subgroup operations: the subgroup size varies by adapter (and
 *   may be smaller than a group's lanes), and subgroups are an optional feature.
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { atomicAddF32Fn } from '../index/atomic-float.js';
import { NO_DESTINATION } from '../index/inverse-index.js';

export type VectorWidth = 1 | 2 | 4;

/** Workgroup memory the backward reduction may use on a GPU: WebGPU's guaranteed minimum. */
export const DEFORM_WORKGROUP_BYTES = 16384;
/** Most lanes per group (a group with more chunks loops over them). */
export const DEFORM_MAX_LANES = 64;
/** Threads per workgroup aimed for (cooperative layout). */
export const DEFORM_WORKGROUP_THREADS = 128;
/** Threads per workgroup of the one-invocation-per-group layout. */
export const DEFORM_SERIAL_THREADS = 64;

/** The widest vector that divides the channels per head. */
export function vectorWidth(channels: number): VectorWidth {
  if (channels % 4 === 0) return 4;
  if (channels % 2 === 0) return 2;
  return 1;
}

/**
 * How a kernel spreads its work. Cooperative: `lanes` invocations per (n, q, m) group walk its
 * channel chunks side by side (coalesced over D; the backward sums the lanes' partials in
 * workgroup memory) — the GPU layout. Serial (`lanes` = 1): one invocation per group walks all
 * of D and needs no workgroup memory — the layout for CPU adapters, where SwiftShader's pipeline
 * compile time grows with workgroup memory (~2 ms per declared f32, measured) and lanes would
 * only repeat each tap's arithmetic.
 */
export interface DeformLayout {
  levels: number;
  points: number;
  width: VectorWidth;
  /** Lanes per group (WG_X) and groups per workgroup (WG_Y). */
  lanes: number;
  groups: number;
}

/** Lanes and groups per workgroup for the forward kernel. */
export function forwardLayout(
  levels: number,
  points: number,
  channels: number,
  cooperative: boolean,
): DeformLayout {
  const width = vectorWidth(channels);
  if (!cooperative) return { levels, points, width, lanes: 1, groups: DEFORM_SERIAL_THREADS };
  const chunks = Math.max(1, channels / width);
  const lanes = Math.min(chunks, DEFORM_MAX_LANES);
  const groups = Math.max(1, Math.floor(DEFORM_WORKGROUP_THREADS / lanes));
  return { levels, points, width, lanes, groups };
}

/** Bytes of workgroup memory the backward reduction declares for a layout. */
export function backwardWorkgroupBytes(l: DeformLayout): number {
  return l.lanes > 1 ? 3 * 4 * l.groups * l.levels * l.points * (l.lanes + 1) : 0;
}

/**
 * Lanes and groups per workgroup for the backward kernel: the forward's, shrunk until the lane
 * partials of every (group, level, point) fit `workgroupBytes`; serial when not even two lanes
 * of one group fit.
 */
export function backwardLayout(
  levels: number,
  points: number,
  channels: number,
  cooperative: boolean,
  workgroupBytes = DEFORM_WORKGROUP_BYTES,
): DeformLayout {
  const base = forwardLayout(levels, points, channels, cooperative);
  if (base.lanes === 1) return base;
  const perLaneRow = 3 * 4 * levels * points; // bytes per (group, lane) row over all (l, p)
  const maxLanes = Math.floor(workgroupBytes / perLaneRow) - 1;
  if (maxLanes < 2) return forwardLayout(levels, points, channels, false);
  const lanes = Math.min(base.lanes, maxLanes);
  const byThreads = Math.floor(DEFORM_WORKGROUP_THREADS / lanes);
  const byMemory = Math.floor(workgroupBytes / (perLaneRow * (lanes + 1)));
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
  { name: 'levels', type: 'u32' }, // L
  { name: 'points', type: 'u32' }, // P
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

/**
 * WGSL: one corner's value chunk, zero outside the level. The clamped row is always readable, so
 * the load is unconditional and `select` (not a multiply: a non-finite border value must not
 * leak) picks zero — branch-free, ~1.5x faster on SwiftShader than a branch around the load.
 */
function cornerFn(width: VectorWidth): string {
  return `
fn corner(inside: f32, row: u32) -> VT {
  return select(VT(0.0), value[row], inside != 0.0);
}
fn vdot(a: VT, b: VT) -> f32 {
  return ${width === 1 ? 'a * b' : 'dot(a, b)'};
}
`;
}

/** WGSL `level_info(l) -> vec3<u32>`: (H, W, first token) of level l, from the uniform fields. */
function levelInfoFn(levels: number): string {
  const cases = Array.from(
    { length: levels },
    (_, l) => `    case ${l}u: { return vec3<u32>(params.h${l}, params.w${l}, params.start${l}); }`,
  );
  return `
fn level_info(l: u32) -> vec3<u32> {
  switch l {
${cases.join('\n')}
    default: { return vec3<u32>(1u, 1u, 0u); }
  }
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
  // Vectors between consecutive tokens, and the row of chunk 0 of token 0 of (n, m).
  let tok_stride = params.heads * params.chunks;
  let vrow0 = (n * params.tokens * params.heads + m) * params.chunks;
`;

function layoutKey(layout: DeformLayout): string {
  const { levels, points, width, lanes, groups } = layout;
  return `${levels}/${points}/${width}/${lanes}/${groups}`;
}

const forwardCache = new Map<string, KernelSpec>();

/** out[n, q, m·D + d] = Σ_l Σ_p attn · bilinear_l(value, loc). */
export function deformForwardKernel(layout: DeformLayout): KernelSpec {
  const { levels, width, lanes, groups } = layout;
  // Only the level count and vector width change the code; points are a runtime loop.
  const key = layoutKey({ ...layout, points: 0 });
  let spec = forwardCache.get(key);
  if (spec) return spec;
  spec = kernel({
    name: `ms_deform_attn_fwd_l${levels}_v${width}_x${lanes}`,
    bindings: [
      { name: 'value', type: vecType(width), access: 'read' },
      { name: 'loc', type: 'vec2<f32>', access: 'read' },
      { name: 'attn', type: 'f32', access: 'read' },
      { name: 'out', type: vecType(width), access: 'read_write' },
    ],
    params: [...commonParams, ...levelParams(levels)],
    workgroupSize: [lanes, groups, 1],
    body: `
alias VT = ${vecType(width)};
${tapFn}
${cornerFn(width)}
${levelInfoFn(levels)}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
${groupIndex}
  if (!valid) { return; }
  for (var c = lid.x; c < params.chunks; c += WG_X) {
    let row = vrow0 + c;
    var acc = VT(0.0);
    for (var l = 0u; l < params.levels; l++) {
      let info = level_info(l);
      let lrow = row + info.z * tok_stride;
      let li0 = (group * params.levels + l) * params.points;
      for (var p = 0u; p < params.points; p++) {
        let t = make_tap(loc[li0 + p], info.x, info.y);
        let v00 = corner(t.in00, lrow + t.i00 * tok_stride);
        let v01 = corner(t.in01, lrow + t.i01 * tok_stride);
        let v10 = corner(t.in10, lrow + t.i10 * tok_stride);
        let v11 = corner(t.in11, lrow + t.i11 * tok_stride);
        let top = v00 + (v01 - v00) * t.fx;
        let bottom = v10 + (v11 - v10) * t.fx;
        acc += attn[li0 + p] * (top + (bottom - top) * t.fy);
      }
    }
    out[group * params.chunks + c] = acc;
  }
}
`,
  });
  forwardCache.set(key, spec);
  return spec;
}

/** WGSL for the 'atomic' scatter: CAS float adds of w_k·v into the value rows of inside corners. */
function atomicScatterFns(component: string): string {
  return `
${atomicAddF32Fn('grad_value')}
fn component(v: VT, j: u32) -> f32 {
  return ${component};
}

/** Adds w_k·v to the value rows of the corners inside the level (float index e0 + i_k·stride). */
fn scatter_corners(t: Tap, weights: vec4<f32>, e0: u32, stride: u32, v: VT) {
  var rows = array<u32, 4>(t.i00, t.i01, t.i10, t.i11);
  var inside = vec4<f32>(t.in00, t.in01, t.in10, t.in11);
  for (var k = 0u; k < 4u; k++) {
    if (inside[k] == 0.0) { continue; }
    let e = e0 + rows[k] * stride;
    let add = weights[k] * v;
    for (var j = 0u; j < VW; j++) {
      grad_value_atomic_add_f32(e + j, component(add, j));
    }
  }
}
`;
}

/** Workgroup arrays for the lane partials of every (group in workgroup, level·point, lane). */
function sharedDecls(slots: number): string {
  return `
const SLOT_ROW: u32 = WG_X + 1u; // padded against bank conflicts
var<workgroup> red_w: array<f32, ${slots}>;
var<workgroup> red_x: array<f32, ${slots}>;
var<workgroup> red_y: array<f32, ${slots}>;
`;
}

/** Cooperative: each lane parks its partial sums for (l, p). */
const storePartials = `let slot = (slot0 + l * params.points + p) * SLOT_ROW + lane;
      red_w[slot] = sw;
      red_x[slot] = sx;
      red_y[slot] = sy;`;

/** Serial: the invocation's sums are the outputs. */
const storeSums = `if (valid) {
        let out_i = (group * params.levels + l) * params.points + p;
        grad_attn[out_i] = sw;
        grad_loc[out_i] = vec2<f32>(sx, sy);
      }`;

/** Cooperative: one barrier, then every output of the workgroup sums its WG_X lane partials. */
const reducePartials = `
  workgroupBarrier();
  let first_group = wg * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  for (var o = flat; o < WG_Y * LP; o += WG_X * WG_Y) {
    if (first_group + o / LP < params.groups) {
      var sw = 0.0;
      var sx = 0.0;
      var sy = 0.0;
      for (var k = 0u; k < WG_X; k++) {
        let s = o * SLOT_ROW + k;
        sw += red_w[s];
        sx += red_x[s];
        sy += red_y[s];
      }
      // Outputs of consecutive (group, l, p) are consecutive: coalesced writes.
      let out_i = first_group * LP + o;
      grad_attn[out_i] = sw;
      grad_loc[out_i] = vec2<f32>(sx, sy);
    }
  }
`;

const backwardCache = new Map<string, KernelSpec>();

/** How the backward kernel handles grad_value (see the file comment). */
export type DeformValueScatter = 'plan' | 'atomic';

/** The value rows (none outside the level) and weights of a sample's corners, written by lane 0. */
const writePlan = `if (params.want_value != 0u && lane == 0u) {
          let row0 = (n * params.tokens + info.z) * params.heads + m;
          let none = ${NO_DESTINATION}u;
          bucket_dest[li] = vec4<u32>(
            select(none, row0 + t.i00 * params.heads, t.in00 != 0.0),
            select(none, row0 + t.i01 * params.heads, t.in01 != 0.0),
            select(none, row0 + t.i10 * params.heads, t.in10 != 0.0),
            select(none, row0 + t.i11 * params.heads, t.in11 != 0.0)
          );
          bucket_weight[li] = a * weights;
        }`;

/**
 * grad_attn = Σ_d g·sample, grad_loc = attn·(W, H)·Σ_d g·∂sample/∂pixel, and for grad_value
 * either the corner plan (`scatter` 'plan': bucket_dest / bucket_weight [N·Lq·M·L·P] vec4s) or
 * grad_value += the scatter ('atomic'). `want_value` = 0 skips both (value needs no gradient).
 */
export function deformBackwardKernel(layout: DeformLayout, scatter: DeformValueScatter = 'plan'): KernelSpec {
  const { levels, points, width, lanes, groups } = layout;
  const key = `${layoutKey(layout)}/${scatter}`;
  let spec = backwardCache.get(key);
  if (spec) return spec;
  const lp = levels * points;
  const slots = groups * lp * (lanes + 1);
  const cooperative = lanes > 1;
  const atomic = scatter === 'atomic';
  const component = width === 1 ? 'v' : 'v[j]';
  spec = kernel({
    name: `ms_deform_attn_bwd_l${levels}_p${points}_v${width}_x${lanes}${atomic ? '_atomic' : ''}`,
    bindings: [
      { name: 'value', type: vecType(width), access: 'read' },
      { name: 'loc', type: 'vec2<f32>', access: 'read' },
      { name: 'attn', type: 'f32', access: 'read' },
      { name: 'grad_out', type: vecType(width), access: 'read' },
      ...(atomic
        ? [{ name: 'grad_value', type: 'atomic<u32>', access: 'read_write' } as const]
        : [
            { name: 'bucket_dest', type: 'vec4<u32>', access: 'read_write' } as const,
            { name: 'bucket_weight', type: 'vec4<f32>', access: 'read_write' } as const,
          ]),
      { name: 'grad_loc', type: 'vec2<f32>', access: 'read_write' },
      { name: 'grad_attn', type: 'f32', access: 'read_write' },
    ],
    params: [...commonParams, { name: 'want_value', type: 'u32' }, ...levelParams(levels)],
    workgroupSize: [lanes, groups, 1],
    body: `
alias VT = ${vecType(width)};
${cooperative ? `const LP: u32 = ${lp}u;` : ''}
const VW: u32 = ${width}u;
${cooperative ? sharedDecls(slots) : ''}${tapFn}
${cornerFn(width)}
${levelInfoFn(levels)}
${atomic ? atomicScatterFns(component) : ''}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
${groupIndex}
  let lane = lid.x;
  ${cooperative ? 'let slot0 = lid.y * LP;' : ''}
  for (var l = 0u; l < params.levels; l++) {
    let info = level_info(l);
    let lrow0 = vrow0 + info.z * tok_stride;
    for (var p = 0u; p < params.points; p++) {
      var sw = 0.0;
      var sx = 0.0;
      var sy = 0.0;
      if (valid) {
        let li = (group * params.levels + l) * params.points + p;
        let t = make_tap(loc[li], info.x, info.y);
        let a = attn[li];
        let weights = vec4<f32>((1.0 - t.fx) * (1.0 - t.fy), t.fx * (1.0 - t.fy), (1.0 - t.fx) * t.fy, t.fx * t.fy);
        for (var c = lane; c < params.chunks; c += WG_X) {
          let g = grad_out[group * params.chunks + c];
          let v00 = corner(t.in00, lrow0 + t.i00 * tok_stride + c);
          let v01 = corner(t.in01, lrow0 + t.i01 * tok_stride + c);
          let v10 = corner(t.in10, lrow0 + t.i10 * tok_stride + c);
          let v11 = corner(t.in11, lrow0 + t.i11 * tok_stride + c);
          sw += vdot(g, weights.x * v00 + weights.y * v01 + weights.z * v10 + weights.w * v11);
          sx += vdot(g, (v01 - v00) * (1.0 - t.fy) + (v11 - v10) * t.fy);
          sy += vdot(g, (v10 - v00) * (1.0 - t.fx) + (v11 - v01) * t.fx);
          ${atomic ? 'if (params.want_value != 0u) { scatter_corners(t, weights, (lrow0 + c) * VW, tok_stride * VW, a * g); }' : ''}
        }
        ${atomic ? '' : writePlan}
        // d(pixel)/d(loc) = (W, H); the attention weight scales the sample.
        sx *= a * f32(info.y);
        sy *= a * f32(info.x);
      }
      ${cooperative ? storePartials : storeSums}
    }
  }
${cooperative ? reducePartials : ''}}
`,
  });
  backwardCache.set(key, spec);
  return spec;
}
