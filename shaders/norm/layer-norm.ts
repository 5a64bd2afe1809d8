/**
 * Layer normalisation over the last dimension of a dense [R, C] view, fused:
 * - forward: one row per WG_X invocations (WG_Y rows per workgroup, so short rows still fill a
 *   256-invocation workgroup); two-pass mean and biased variance with workgroup reductions,
 *   then y = (x - mean) * rstd * w + b. Saves mean and rstd per row for the backward pass.
 * - input gradient: per row, with xhat = (x - mean) * rstd and gw = dy * w,
 *   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)); both means in one vec2 reduction.
 * - weight/bias gradients: column sums over rows of dy * xhat and dy. 64 columns per workgroup,
 *   4 lanes striding over a chunk of rows (coalesced), chunks along y for parallelism on GPUs;
 *   the per-chunk partial sums are added by one more pass when there is more than one chunk.
 */
import { type KernelSpec, type StorageBinding, kernel } from '../../engine/kernel.js';
import { ROW_REDUCE_WGSL } from './row-reduce.js';

const read = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read' });
const write = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read_write' });

const ROW_HEADER = `
  let row = flat_workgroup_index(wid, nwg) * WG_Y + lid.y;
  let in_range = row < params.R;
  let base = row * params.C;
  let cf = f32(params.C);`;

const ENTRY = `@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {`;

const forwardCache = new Map<string, KernelSpec>();

export function layerNormForwardKernel(
  wg: readonly [number, number],
  hasWeight: boolean,
  hasBias: boolean,
): KernelSpec {
  const key = `${wg}|${hasWeight}|${hasBias}`;
  let spec = forwardCache.get(key);
  if (spec) return spec;
  const scale = hasWeight ? ' * w[j]' : '';
  const shift = hasBias ? ' + b[j]' : '';
  spec = kernel({
    name: `layer_norm_fwd_${wg[0]}x${wg[1]}${hasWeight ? '_w' : ''}${hasBias ? '_b' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      ...(hasBias ? [read('b')] : []),
      write('y'),
      write('mean_out'),
      write('rstd_out'),
    ],
    params: [
      { name: 'R', type: 'u32' },
      { name: 'C', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    workgroupSize: [wg[0], wg[1], 1],
    body: `${ROW_REDUCE_WGSL}
${ENTRY}${ROW_HEADER}
  var s = 0.0;
  if (in_range) { for (var j = lid.x; j < params.C; j += WG_X) { s += x[base + j]; } }
  let mean = row_sum(vec2<f32>(s, 0.0), lid.x, lid.y).x / cf;
  var q = 0.0;
  if (in_range) {
    for (var j = lid.x; j < params.C; j += WG_X) { let d = x[base + j] - mean; q += d * d; }
  }
  let rstd = inverseSqrt(row_sum(vec2<f32>(q, 0.0), lid.x, lid.y).x / cf + params.eps);
  if (in_range) {
    for (var j = lid.x; j < params.C; j += WG_X) { y[base + j] = (x[base + j] - mean) * rstd${scale}${shift}; }
    if (lid.x == 0u) { mean_out[row] = mean; rstd_out[row] = rstd; }
  }
}
`,
  });
  forwardCache.set(key, spec);
  return spec;
}

const backwardCache = new Map<string, KernelSpec>();

export function layerNormInputGradKernel(wg: readonly [number, number], hasWeight: boolean): KernelSpec {
  const key = `${wg}|${hasWeight}`;
  let spec = backwardCache.get(key);
  if (spec) return spec;
  const gw = hasWeight ? 'dy[base + j] * w[j]' : 'dy[base + j]';
  spec = kernel({
    name: `layer_norm_dx_${wg[0]}x${wg[1]}${hasWeight ? '_w' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      read('dy'),
      read('mean'),
      read('rstd'),
      write('dx'),
    ],
    params: [
      { name: 'R', type: 'u32' },
      { name: 'C', type: 'u32' },
    ],
    workgroupSize: [wg[0], wg[1], 1],
    body: `${ROW_REDUCE_WGSL}
${ENTRY}${ROW_HEADER}
  let r = min(row, params.R - 1u);
  let mu = mean[r];
  let rs = rstd[r];
  var acc = vec2<f32>(0.0);
  if (in_range) {
    for (var j = lid.x; j < params.C; j += WG_X) {
      let g = ${gw};
      acc += vec2<f32>(g, g * (x[base + j] - mu) * rs);
    }
  }
  let sums = row_sum(acc, lid.x, lid.y) / cf;
  if (in_range) {
    for (var j = lid.x; j < params.C; j += WG_X) {
      let g = ${gw};
      dx[base + j] = rs * (g - sums.x - (x[base + j] - mu) * rs * sums.y);
    }
  }
}
`,
  });
  backwardCache.set(key, spec);
  return spec;
}

export const LN_PARAM_GRAD_WG: readonly [number, number] = [64, 4];

/** Partial column sums of dy * xhat (dw) and dy (db) over row chunk wid.y: outputs [chunks, C]. */
export const layerNormParamGradKernel: KernelSpec = kernel({
  name: 'layer_norm_dwdb',
  bindings: [read('x'), read('dy'), read('mean'), read('rstd'), write('dw'), write('db')],
  params: [
    { name: 'R', type: 'u32' },
    { name: 'C', type: 'u32' },
    { name: 'rows_per_chunk', type: 'u32' },
  ],
  workgroupSize: [LN_PARAM_GRAD_WG[0], LN_PARAM_GRAD_WG[1], 1],
  body: `
var<workgroup> part: array<vec2<f32>, WG_X * WG_Y>;
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wid.x * WG_X + lid.x;
  let r0 = wid.y * params.rows_per_chunk;
  let r1 = min(params.R, r0 + params.rows_per_chunk);
  var acc = vec2<f32>(0.0);
  if (col < params.C) {
    for (var r = r0 + lid.y; r < r1; r += WG_Y) {
      let g = dy[r * params.C + col];
      acc += vec2<f32>(g * (x[r * params.C + col] - mean[r]) * rstd[r], g);
    }
  }
  part[lid.y * WG_X + lid.x] = acc;
  workgroupBarrier();
  if (lid.y == 0u && col < params.C) {
    var total = part[lid.x];
    for (var l = 1u; l < WG_Y; l++) { total += part[l * WG_X + lid.x]; }
    dw[wid.y * params.C + col] = total.x;
    db[wid.y * params.C + col] = total.y;
  }
}
`,
});

/** Float64 reference: y, mean and rstd of each row. */
export function layerNormReference(
  x: ArrayLike<number>,
  cols: number,
  weight: ArrayLike<number> | null,
  bias: ArrayLike<number> | null,
  eps = 1e-5,
): { y: number[]; mean: number[]; rstd: number[] } {
  const rows = x.length / cols;
  const y = new Array<number>(x.length);
  const mean: number[] = [];
  const rstd: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[r * cols + j]!;
    const mu = s / cols;
    let q = 0;
    for (let j = 0; j < cols; j++) q += (x[r * cols + j]! - mu) ** 2;
    const rs = 1 / Math.sqrt(q / cols + eps);
    for (let j = 0; j < cols; j++) {
      y[r * cols + j] = (x[r * cols + j]! - mu) * rs * (weight ? weight[j]! : 1) + (bias ? bias[j]! : 0);
    }
    mean.push(mu);
    rstd.push(rs);
  }
  return { y, mean, rstd };
}
