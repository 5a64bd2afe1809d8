/**
 * Group normalisation of a dense NC* tensor (x [N, C, S] with S the flattened spatial size, C
 * split into G groups of Cg channels), fused:
 * - forward: one workgroup per (n, g), whose Cg*S values are contiguous; two-pass mean and biased
 *   variance with workgroup reductions, then the per-channel affine. Saves mean, rstd [N, G].
 * - input gradient: one workgroup per (n, g): with gw = dy * w[c] and xhat = (x - mean) * rstd,
 *   dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), both means from one vec2 reduction.
 * - weight/bias gradients: one workgroup per channel c, summing dy * xhat and dy over (n, s),
 *   s fastest (coalesced); no partial buffers, no atomics.
 */
import { type KernelSpec, type StorageBinding, kernel } from '../../engine/kernel.js';
import { ROW_REDUCE_WGSL } from './row-reduce.js';

const read = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read' });
const write = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read_write' });

const PARAMS = [
  { name: 'NG', type: 'u32' as const }, // N * G groups
  { name: 'G', type: 'u32' as const },
  { name: 'CG', type: 'u32' as const }, // channels per group
  { name: 'S', type: 'u32' as const }, // spatial size
];

const ENTRY = `@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let grp = flat_workgroup_index(wid, nwg);
  if (grp >= params.NG) { return; }
  let len = params.CG * params.S;
  let base = grp * len;
  let c0 = (grp % params.G) * params.CG;
  let lenf = f32(len);`;

/** Workgroup size for groups of `len` values. */
export function groupNormWorkgroup(len: number): number {
  return len >= 1024 ? 256 : 64;
}

const fwdCache = new Map<string, KernelSpec>();

export function groupNormForwardKernel(wg: number, hasWeight: boolean, hasBias: boolean): KernelSpec {
  const key = `${wg}|${hasWeight}|${hasBias}`;
  let spec = fwdCache.get(key);
  if (spec) return spec;
  const scale = hasWeight ? ' * w[c0 + j / params.S]' : '';
  const shift = hasBias ? ' + b[c0 + j / params.S]' : '';
  spec = kernel({
    name: `group_norm_fwd_${wg}${hasWeight ? '_w' : ''}${hasBias ? '_b' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      ...(hasBias ? [read('b')] : []),
      write('y'),
      write('mean_out'),
      write('rstd_out'),
    ],
    params: [...PARAMS, { name: 'eps', type: 'f32' }],
    workgroupSize: [wg, 1, 1],
    body: `${ROW_REDUCE_WGSL}
${ENTRY}
  var s = 0.0;
  for (var j = lid.x; j < len; j += WG_X) { s += x[base + j]; }
  let mean = row_sum(vec2<f32>(s, 0.0), lid.x, 0u).x / lenf;
  var q = 0.0;
  for (var j = lid.x; j < len; j += WG_X) { let d = x[base + j] - mean; q += d * d; }
  let rstd = inverseSqrt(row_sum(vec2<f32>(q, 0.0), lid.x, 0u).x / lenf + params.eps);
  for (var j = lid.x; j < len; j += WG_X) { y[base + j] = (x[base + j] - mean) * rstd${scale}${shift}; }
  if (lid.x == 0u) { mean_out[grp] = mean; rstd_out[grp] = rstd; }
}
`,
  });
  fwdCache.set(key, spec);
  return spec;
}

const dxCache = new Map<string, KernelSpec>();

export function groupNormInputGradKernel(wg: number, hasWeight: boolean): KernelSpec {
  const key = `${wg}|${hasWeight}`;
  let spec = dxCache.get(key);
  if (spec) return spec;
  const gw = hasWeight ? 'dy[base + j] * w[c0 + j / params.S]' : 'dy[base + j]';
  spec = kernel({
    name: `group_norm_dx_${wg}${hasWeight ? '_w' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      read('dy'),
      read('mean'),
      read('rstd'),
      write('dx'),
    ],
    params: PARAMS,
    workgroupSize: [wg, 1, 1],
    body: `${ROW_REDUCE_WGSL}
${ENTRY}
  let mu = mean[grp];
  let rs = rstd[grp];
  var acc = vec2<f32>(0.0);
  for (var j = lid.x; j < len; j += WG_X) {
    let g = ${gw};
    acc += vec2<f32>(g, g * (x[base + j] - mu) * rs);
  }
  let sums = row_sum(acc, lid.x, 0u) / lenf;
  for (var j = lid.x; j < len; j += WG_X) {
    let g = ${gw};
    dx[base + j] = rs * (g - sums.x - (x[base + j] - mu) * rs * sums.y);
  }
}
`,
  });
  dxCache.set(key, spec);
  return spec;
}

export const GN_PARAM_GRAD_WG = 256;

/** dw[c] = sum over (n, s) of dy * xhat, db[c] = sum of dy; one workgroup per channel. */
export const groupNormParamGradKernel: KernelSpec = kernel({
  name: 'group_norm_dwdb',
  bindings: [read('x'), read('dy'), read('mean'), read('rstd'), write('dw'), write('db')],
  params: [
    { name: 'N', type: 'u32' },
    { name: 'C', type: 'u32' },
    { name: 'G', type: 'u32' },
    { name: 'CG', type: 'u32' },
    { name: 'S', type: 'u32' },
  ],
  workgroupSize: [GN_PARAM_GRAD_WG, 1, 1],
  body: `${ROW_REDUCE_WGSL}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = flat_workgroup_index(wid, nwg);
  if (c >= params.C) { return; }
  let g = c / params.CG;
  let total = params.N * params.S;
  var acc = vec2<f32>(0.0);
  for (var j = lid.x; j < total; j += WG_X) {
    let n = j / params.S;
    let e = (n * params.C + c) * params.S + (j - n * params.S);
    let stat = n * params.G + g;
    let d = dy[e];
    acc += vec2<f32>(d * (x[e] - mean[stat]) * rstd[stat], d);
  }
  let sums = row_sum(acc, lid.x, 0u);
  if (lid.x == 0u) { dw[c] = sums.x; db[c] = sums.y; }
}
`,
});

/** Float64 reference: y [N, C, S] and the per-(n, g) mean and rstd. */
export function groupNormReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  groups: number,
  weight: ArrayLike<number> | null,
  bias: ArrayLike<number> | null,
  eps = 1e-5,
): { y: number[]; mean: number[]; rstd: number[] } {
  const [N, C] = shape as [number, number];
  const S = shape.slice(2).reduce((a, b) => a * b, 1);
  const cg = C / groups;
  const len = cg * S;
  const y = new Array<number>(x.length);
  const mean: number[] = [];
  const rstd: number[] = [];
  for (let i = 0; i < N * groups; i++) {
    const base = i * len;
    let s = 0;
    for (let j = 0; j < len; j++) s += x[base + j]!;
    const mu = s / len;
    let q = 0;
    for (let j = 0; j < len; j++) q += (x[base + j]! - mu) ** 2;
    const rs = 1 / Math.sqrt(q / len + eps);
    for (let j = 0; j < len; j++) {
      const c = (i % groups) * cg + Math.floor(j / S);
      y[base + j] = (x[base + j]! - mu) * rs * (weight ? weight[c]! : 1) + (bias ? bias[c]! : 0);
    }
    mean.push(mu);
    rstd.push(rs);
  }
  return { y, mean, rstd };
}
