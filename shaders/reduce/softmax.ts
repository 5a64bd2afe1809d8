/**
 * Fused softmax / log-softmax along one axis, forward and backward, one kernel each. The input
 * is a (rows × cols) strided view (rows: the other dims through an index map; cols: the axis,
 * with its stride); TPR = 2^tpr_log2 threads (a uniform) share a row. Forward: each thread
 * keeps an online (max, Σexp) pair, pairs are merged in shared memory, then the row is written.
 * Stable for any magnitude: every exp argument is <= 0.
 *
 * `serial` (CPU adapters, see shaders/core/serial.ts): one invocation per row, the same online
 * pair over the whole row, no workgroup memory or barriers.
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { SERIAL_WG } from '../core/serial.js';
import { indexMapFn, indexMapParams } from './index-map.js';

export type SoftmaxMode = 'softmax' | 'logSoftmax' | 'softmaxGrad' | 'logSoftmaxGrad';

export const SOFTMAX_WORKGROUP = 256;

const cache = new Map<string, KernelSpec>();

/**
 * Forward modes bind (src, out) and read src through the 'x' map; backward modes bind
 * (g, y, out), all three dense in the same layout (the 'o' map).
 */
export function softmaxKernel(mode: SoftmaxMode, xRank: number, oRank: number, serial = false): KernelSpec {
  const key = `${mode}|${xRank}|${oRank}|${serial}`;
  let spec = cache.get(key);
  if (!spec) {
    spec =
      mode === 'softmax' || mode === 'logSoftmax'
        ? forward(mode, xRank, oRank, serial)
        : backward(mode, oRank, serial);
    cache.set(key, spec);
  }
  return spec;
}

/** Rows one workgroup covers. */
export function softmaxRowsPerWorkgroup(tpr: number, serial: boolean): number {
  return serial ? SERIAL_WG : SOFTMAX_WORKGROUP / tpr;
}

const COMMON_PARAMS: ParamField[] = [
  { name: 'rows', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'row_groups', type: 'u32' },
  { name: 'tpr_log2', type: 'u32' },
];

const HEADER = `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.row_groups) { return; }
  let tpr = 1u << params.tpr_log2;
  let row = wg * (WG_X >> params.tpr_log2) + (lid >> params.tpr_log2);
  let lane = lid & (tpr - 1u);
  let head = lid - lane;
  let in_range = row < params.rows;`;

// One invocation per row: lane 0 of a one-thread row, so the loops below serve both shapes.
const SERIAL_HEADER = `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (row >= params.rows) { return; }
  let tpr = 1u;
  let lane = 0u;
  let in_range = true;`;

function forward(mode: 'softmax' | 'logSoftmax', xRank: number, oRank: number, serial: boolean): KernelSpec {
  const write =
    mode === 'softmax'
      ? `let inv = 1.0 / rs;
    for (var c = lane; c < params.cols; c += tpr) {
      out[ob + c * params.o_col_stride] = exp(src[xb + c * params.x_col_stride] - rm) * inv;
    }`
      : `let lse = rm + log(rs);
    for (var c = lane; c < params.cols; c += tpr) {
      out[ob + c * params.o_col_stride] = src[xb + c * params.x_col_stride] - lse;
    }`;
  const merge = serial
    ? `  let rm = m;
  let rs = s;`
    : `  sh_m[lid] = m;
  sh_s[lid] = s;
  workgroupBarrier();
  for (var st = tpr >> 1u; st > 0u; st = st >> 1u) {
    if (lane < st) {
      let am = sh_m[lid];
      let bm = sh_m[lid + st];
      let mm = max(am, bm);
      sh_s[lid] = sh_s[lid] * select(exp(am - mm), 1.0, am == mm) + sh_s[lid + st] * select(exp(bm - mm), 1.0, bm == mm);
      sh_m[lid] = mm;
    }
    workgroupBarrier();
  }
  let rm = sh_m[head];
  let rs = sh_s[head];`;
  const shared = serial
    ? ''
    : `var<workgroup> sh_m: array<f32, ${SOFTMAX_WORKGROUP}>;
var<workgroup> sh_s: array<f32, ${SOFTMAX_WORKGROUP}>;`;
  return kernel({
    name: `${mode}_x${xRank}o${oRank}${serial ? '_serial' : ''}`,
    bindings: [
      { name: 'src', type: 'f32', access: 'read' },
      { name: 'out', type: 'f32', access: 'read_write' },
    ],
    params: [
      ...COMMON_PARAMS,
      ...indexMapParams('xrow', xRank),
      { name: 'x_col_stride', type: 'u32' },
      ...indexMapParams('orow', oRank),
      { name: 'o_col_stride', type: 'u32' },
    ],
    workgroupSize: [serial ? SERIAL_WG : SOFTMAX_WORKGROUP, 1, 1],
    body: `
var<private> pv_inf_bits: u32 = 0x7f800000u;
${shared}
${indexMapFn('xrow', xRank)}
${indexMapFn('orow', oRank)}
${serial ? SERIAL_HEADER : HEADER}
  let ninf = -bitcast<f32>(pv_inf_bits);
  var m = ninf;
  var s = 0.0;
  var xb = 0u;
  if (in_range) {
    xb = xrow_index(row);
    for (var c = lane; c < params.cols; c += tpr) {
      let x = src[xb + c * params.x_col_stride];
      if (x > m) {
        s = s * exp(m - x) + 1.0;
        m = x;
      } else if (x > ninf) {
        s += exp(x - m);
      }
    }
  }
${merge}
  if (in_range) {
    let ob = orow_index(row);
    ${write}
  }
}
`,
  });
}

function backward(mode: 'softmaxGrad' | 'logSoftmaxGrad', oRank: number, serial: boolean): KernelSpec {
  const term = mode === 'softmaxGrad' ? 'g[i] * y[i]' : 'g[i]';
  const write = mode === 'softmaxGrad' ? 'y[i] * (g[i] - total)' : 'g[i] - exp(y[i]) * total';
  const merge = serial
    ? '  let total = acc;'
    : `  sh[lid] = acc;
  workgroupBarrier();
  for (var st = tpr >> 1u; st > 0u; st = st >> 1u) {
    if (lane < st) { sh[lid] = sh[lid] + sh[lid + st]; }
    workgroupBarrier();
  }
  let total = sh[head];`;
  return kernel({
    name: `${mode}_o${oRank}${serial ? '_serial' : ''}`,
    bindings: [
      { name: 'g', type: 'f32', access: 'read' },
      { name: 'y', type: 'f32', access: 'read' },
      { name: 'out', type: 'f32', access: 'read_write' },
    ],
    params: [...COMMON_PARAMS, ...indexMapParams('orow', oRank), { name: 'o_col_stride', type: 'u32' }],
    workgroupSize: [serial ? SERIAL_WG : SOFTMAX_WORKGROUP, 1, 1],
    body: `
${serial ? '' : `var<workgroup> sh: array<f32, ${SOFTMAX_WORKGROUP}>;`}
${indexMapFn('orow', oRank)}
${serial ? SERIAL_HEADER : HEADER}
  var acc = 0.0;
  var ob = 0u;
  if (in_range) {
    ob = orow_index(row);
    for (var c = lane; c < params.cols; c += tpr) {
      let i = ob + c * params.o_col_stride;
      acc += ${term};
    }
  }
${merge}
  if (in_range) {
    for (var c = lane; c < params.cols; c += tpr) {
      let i = ob + c * params.o_col_stride;
      out[i] = ${write};
    }
  }
}
`,
  });
}

/** float64 reference along `axis` of a row-major array. */
export function softmaxReference(
  data: ArrayLike<number>,
  shape: readonly number[],
  axis: number,
  log: boolean,
): number[] {
  const a = axis < 0 ? axis + shape.length : axis;
  const cols = shape[a]!;
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const out = new Array<number>(data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (c: number) => (o * cols + c) * inner + i;
      let m = -Infinity;
      for (let c = 0; c < cols; c++) m = Math.max(m, data[at(c)]!);
      let s = 0;
      for (let c = 0; c < cols; c++) s += Math.exp(data[at(c)]! - m);
      for (let c = 0; c < cols; c++) {
        out[at(c)] = log ? data[at(c)]! - m - Math.log(s) : Math.exp(data[at(c)]! - m) / s;
      }
    }
  }
  return out;
}
