/**
 * Reductions of a strided view seen as a (rows × cols) matrix: rows enumerate the kept dims,
 * cols the reduced dims, both in row-major order, each through its own index map (no copies for
 * permuted or broadcast inputs). Three kernel shapes:
 *  - row:    TPR threads per row (TPR = 1..256, 256/TPR rows per workgroup), each thread strides
 *            over the row, then a shared-memory tree reduction. Used when the reduced elements
 *            are the fastest-varying in memory.
 *  - column: a 64 × 4 workgroup; 64 consecutive rows (coalesced when the last kept dim has
 *            stride 1) × 4 threads splitting the reduced range, combined in shared memory. Used
 *            when the reduced dims are strided and the kept ones contiguous (e.g. sum over batch).
 *  - serial: one invocation per (row, split) looping over its columns, no workgroup memory or
 *            barriers; the CPU-adapter variant of both (see shaders/core/serial.ts).
 * Long rows are split over `splits` workgroups writing partial states, and a second pass (the
 * same kernels reading states) finishes them: any reduction takes at most 2 passes.
 */
import type { DType } from '../../engine/dtype.js';
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { SERIAL_WG } from '../core/serial.js';
import { indexMapFn, indexMapParams } from './index-map.js';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min' | 'argmax' | 'argmin' | 'logsumexp';

/** Ops sharing one accumulator (state) and so one kernel family (max vs min: a uniform flag). */
export type ReduceFamily = 'sum' | 'extreme' | 'lse';

export function reduceFamily(op: ReduceOp): ReduceFamily {
  switch (op) {
    case 'sum':
    case 'mean':
      return 'sum';
    case 'max':
    case 'argmax':
    case 'min':
    case 'argmin':
      return 'extreme';
    case 'logsumexp':
      return 'lse';
  }
}

export interface ReduceVariant {
  family: ReduceFamily;
  dtype: DType;
  shape: 'row' | 'column' | 'serial';
  rowRank: number;
  colRank: number;
  /** 'raw': reads the input tensor; 'state': reads partial states of a first pass. */
  input: 'raw' | 'state';
  /** 'final': writes results (and indices for max/min); 'partial': writes states. */
  output: 'final' | 'partial';
}

export const REDUCE_WORKGROUP = 256;
export const COLUMN_ROWS = 64;
export const COLUMN_SPLIT = 4;

function lowest(dtype: DType): string {
  if (dtype === 'f32') return '-bitcast<f32>(pv_inf_bits)';
  if (dtype === 'i32') return 'bitcast<i32>(0x80000000u)';
  return '0u';
}

function highest(dtype: DType): string {
  if (dtype === 'f32') return 'bitcast<f32>(pv_inf_bits)';
  if (dtype === 'i32') return 'bitcast<i32>(0x7fffffffu)';
  return '0xffffffffu';
}

/** WGSL: the State type, identity, load of one raw element, combine and final value. */
/**
 * WGSL of a thread's private accumulator over its strided run of elements. f32 sums use
 * Neumaier compensation (a thread may add up tens of thousands of values when rows are not
 * split); the other states accumulate with st_combine.
 */
function accumulatorCode(family: ReduceFamily, t: DType): string {
  if (family === 'sum' && t === 'f32') {
    return `
fn acc_init() -> vec2<f32> { return vec2<f32>(0.0, 0.0); }
fn acc_push(a: vec2<f32>, x: f32) -> vec2<f32> {
  let s = a.x + x;
  let c = select((x - s) + a.x, (a.x - s) + x, abs(a.x) >= abs(x));
  return vec2<f32>(s, a.y + c);
}
fn acc_done(a: vec2<f32>) -> f32 { return a.x + a.y; }
`;
  }
  return `
fn acc_init() -> State { return st_identity(); }
fn acc_push(a: State, x: State) -> State { return st_combine(a, x); }
fn acc_done(a: State) -> State { return a; }
`;
}

function stateCode(family: ReduceFamily, t: DType): string {
  const inf = 'var<private> pv_inf_bits: u32 = 0x7f800000u;';
  switch (family) {
    case 'sum':
      return `
alias State = ${t};
fn st_identity() -> State { return State(0); }
fn st_from(x: ${t}, i: u32) -> State { return x; }
fn st_combine(a: State, b: State) -> State { return a + b; }
`;
    case 'extreme':
      return `
${inf}
struct State { v: ${t}, i: u32 };
fn st_identity() -> State { return State(select(${lowest(t)}, ${highest(t)}, params.is_min != 0u), 0xffffffffu); }
fn st_from(x: ${t}, i: u32) -> State { return State(x, i); }
// Ties go to the lower index whatever the combination order (PyTorch's first occurrence).
fn st_combine(a: State, b: State) -> State {
  let wins = select(b.v > a.v, b.v < a.v, params.is_min != 0u);
  if (wins || (b.v == a.v && b.i < a.i)) { return b; }
  return a;
}
`;
    case 'lse':
      return `
${inf}
struct State { m: f32, s: f32 };
fn st_identity() -> State { return State(-bitcast<f32>(pv_inf_bits), 0.0); }
fn st_from(x: f32, i: u32) -> State { return State(x, 1.0); }
// Online log-sum-exp: rescale both sums to the larger max (factor 1 when equal, so ±inf
// maxima never produce inf - inf).
fn st_combine(a: State, b: State) -> State {
  let m = max(a.m, b.m);
  let fa = select(exp(a.m - m), 1.0, a.m == m);
  let fb = select(exp(b.m - m), 1.0, b.m == m);
  return State(m, a.s * fa + b.s * fb);
}
`;
  }
}

/** WGSL storing the final result of `st` for output row `row`. */
function finalStore(family: ReduceFamily): string {
  switch (family) {
    case 'sum':
      return 'out[row] = OutT(st) * OutT(params.scale);';
    case 'extreme':
      return 'out[row] = st.v;\n    out_idx[row] = i32(st.i);';
    case 'lse':
      return 'out[row] = st.m + log(st.s);';
  }
}

function outType(family: ReduceFamily, dtype: DType): string {
  return family === 'lse' ? 'f32' : dtype;
}

const cache = new Map<string, KernelSpec>();

export function reduceKernel(v: ReduceVariant): KernelSpec {
  const key = JSON.stringify(v);
  let spec = cache.get(key);
  if (!spec) {
    spec = buildReduceKernel(v);
    cache.set(key, spec);
  }
  return spec;
}

function buildReduceKernel(v: ReduceVariant): KernelSpec {
  const outT = outType(v.family, v.dtype);
  const bindings = [
    { name: 'src', type: v.input === 'raw' ? v.dtype : 'State', access: 'read' as const },
    ...(v.output === 'partial'
      ? [{ name: 'part', type: 'State', access: 'read_write' as const }]
      : [
          { name: 'out', type: outT, access: 'read_write' as const },
          ...(v.family === 'extreme'
            ? [{ name: 'out_idx', type: 'i32', access: 'read_write' as const }]
            : []),
        ]),
  ];
  const params: ParamField[] = [
    { name: 'rows', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'chunk', type: 'u32' },
    { name: 'row_groups', type: 'u32' },
    { name: 'groups', type: 'u32' },
    { name: 'part_row_stride', type: 'u32' },
    { name: 'part_split_stride', type: 'u32' },
    { name: 'scale', type: 'f32' },
    { name: 'is_min', type: 'u32' },
    { name: 'tpr_log2', type: 'u32' },
    ...indexMapParams('row', v.rowRank),
    ...indexMapParams('col', v.colRank),
  ];
  const load =
    v.input === 'raw'
      ? 'fn st_load(base: u32, c: u32) -> State { return st_from(src[base + col_index(c)], c); }'
      : 'fn st_load(base: u32, c: u32) -> State { return src[base + col_index(c)]; }';
  const store =
    v.output === 'partial'
      ? 'part[row * params.part_row_stride + split * params.part_split_stride] = st;'
      : finalStore(v.family);
  const common = `
alias OutT = ${outT};
${stateCode(v.family, v.dtype)}
${accumulatorCode(v.family, v.dtype)}
${indexMapFn('row', v.rowRank)}
${indexMapFn('col', v.colRank)}
${load}
fn st_store(row: u32, split: u32, st: State) {
    ${store}
}
`;
  // The serial shape must not declare workgroup memory: Dawn would add a zero-fill barrier.
  const shared = `var<workgroup> sh: array<State, ${REDUCE_WORKGROUP}>;\n`;
  const body =
    v.shape === 'row' ? shared + rowBody() : v.shape === 'column' ? shared + columnBody() : serialBody();
  const workgroupSize: [number, number, number] =
    v.shape === 'row'
      ? [REDUCE_WORKGROUP, 1, 1]
      : v.shape === 'column'
        ? [COLUMN_ROWS, COLUMN_SPLIT, 1]
        : [SERIAL_WG, 1, 1];
  return kernel({
    name: `reduce_${v.family}_${v.dtype}_${v.shape}_r${v.rowRank}c${v.colRank}_${v.input}_${v.output}`,
    bindings,
    params,
    workgroupSize,
    body: common + body,
  });
}

// Threads per row (TPR = 2^tpr_log2) is a uniform, not a constant: one pipeline for every row
// length (compiling a variant per TPR costs more than the shifts).
function rowBody(): string {
  return `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.groups) { return; }
  let split = wg / params.row_groups;
  let tpr = 1u << params.tpr_log2;
  let row = (wg % params.row_groups) * (WG_X >> params.tpr_log2) + (lid >> params.tpr_log2);
  let lane = lid & (tpr - 1u);
  var acc = acc_init();
  if (row < params.rows) {
    let base = row_index(row);
    let start = split * params.chunk;
    let end = min(start + params.chunk, params.cols);
    for (var c = start + lane; c < end; c += tpr) {
      acc = acc_push(acc, st_load(base, c));
    }
  }
  sh[lid] = acc_done(acc);
  workgroupBarrier();
  for (var s = tpr >> 1u; s > 0u; s = s >> 1u) {
    if (lane < s) { sh[lid] = st_combine(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  if (lane == 0u && row < params.rows) { st_store(row, split, sh[lid]); }
}
`;
}

function columnBody(): string {
  return `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lidv: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.groups) { return; }
  let split = wg / params.row_groups;
  let row = (wg % params.row_groups) * WG_X + lidv.x;
  var acc = acc_init();
  if (row < params.rows) {
    let base = row_index(row);
    let start = split * params.chunk;
    let end = min(start + params.chunk, params.cols);
    for (var c = start + lidv.y; c < end; c += WG_Y) {
      acc = acc_push(acc, st_load(base, c));
    }
  }
  sh[lid] = acc_done(acc);
  workgroupBarrier();
  if (lidv.y == 0u && row < params.rows) {
    var st = sh[lidv.x];
    for (var k = 1u; k < WG_Y; k++) { st = st_combine(st, sh[k * WG_X + lidv.x]); }
    st_store(row, split, st);
  }
}
`;
}

function serialBody(): string {
  return `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.groups) { return; }
  let split = wg / params.row_groups;
  let row = (wg % params.row_groups) * WG_X + lid;
  if (row >= params.rows) { return; }
  let base = row_index(row);
  let start = split * params.chunk;
  let end = min(start + params.chunk, params.cols);
  var acc = acc_init();
  for (var c = start; c < end; c++) { acc = acc_push(acc, st_load(base, c)); }
  st_store(row, split, acc_done(acc));
}
`;
}

export interface ReduceReferenceResult {
  values: number[];
  /** Flat index within the reduced dims of the selected element (max/min/argmax/argmin). */
  indices: number[];
  outShape: number[];
}

/** float64 reference: reduces `axes` of a row-major array; ties pick the first index. */
export function reduceReference(
  data: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
  op: ReduceOp,
  keepdim = false,
): ReduceReferenceResult {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const kept = shape.map((_, i) => i).filter((i) => !reduced.has(i));
  const red = shape.map((_, i) => i).filter((i) => reduced.has(i));
  const rows = kept.reduce((p, i) => p * shape[i]!, 1);
  const cols = red.reduce((p, i) => p * shape[i]!, 1);
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const offsetOf = (dims: number[], linear: number) => {
    let rest = linear;
    let idx = 0;
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k]!;
      idx += (rest % shape[d]!) * strides[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    return idx;
  };
  const values: number[] = [];
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    const base = offsetOf(kept, r);
    const xs = Array.from({ length: cols }, (_, c) => data[base + offsetOf(red, c)]!);
    let best = 0;
    for (let c = 1; c < cols; c++) {
      if (op === 'max' || op === 'argmax' ? xs[c]! > xs[best]! : xs[c]! < xs[best]!) best = c;
    }
    switch (op) {
      case 'sum':
      case 'mean': {
        const total = xs.reduce((a, b) => a + b, 0);
        values.push(op === 'mean' ? total / cols : total);
        break;
      }
      case 'max':
      case 'min':
      case 'argmax':
      case 'argmin':
        values.push(op.startsWith('arg') ? best : xs[best]!);
        indices.push(best);
        break;
      case 'logsumexp': {
        const m = Math.max(...xs);
        values.push(
          m === -Infinity || m === Infinity ? m : m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0)),
        );
        break;
      }
    }
  }
  const outShape = keepdim ? shape.map((d, i) => (reduced.has(i) ? 1 : d)) : kept.map((i) => shape[i]!);
  return { values, indices, outShape };
}
