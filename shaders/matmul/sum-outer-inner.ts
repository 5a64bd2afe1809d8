/**
 * out[c] = sum over o < O, i < I of x[(o * C + c) * I + i], for a dense x viewed as [O, C, I].
 * Serves bias gradients (linear: [rows, out, 1]; conv: [batch, Cout, H*W]) and the final sum of
 * split-K partial products ([splits, M*N, 1]), fused into one dispatch each.
 *
 * Two shapes of work:
 * - I = 1 ('columns'): 64 columns per workgroup, 4 lanes per column striding over o, so each
 *   step reads 64 consecutive floats (coalesced); the lanes are combined in workgroup memory.
 * - I > 1 ('channels'): one workgroup per channel; 256 invocations stride over its O*I values
 *   (consecutive i are consecutive addresses) and reduce with a tree in workgroup memory.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';

const PARAMS = [
  { name: 'O', type: 'u32' as const },
  { name: 'C', type: 'u32' as const },
  { name: 'I', type: 'u32' as const },
];
const BINDINGS = [
  { name: 'x', type: 'f32', access: 'read' as const },
  { name: 'out', type: 'f32', access: 'read_write' as const },
];

export const SUM_COLUMNS_WG: readonly [number, number] = [64, 4];

export const sumColumnsKernel: KernelSpec = kernel({
  name: 'sum_outer_columns',
  bindings: BINDINGS,
  params: PARAMS,
  workgroupSize: [SUM_COLUMNS_WG[0], SUM_COLUMNS_WG[1], 1],
  body: `
var<workgroup> part: array<f32, ${SUM_COLUMNS_WG[0] * SUM_COLUMNS_WG[1]}>;
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = flat_workgroup_index(wid, nwg) * WG_X + lid.x;
  var acc = 0.0;
  if (col < params.C) {
    for (var o = lid.y; o < params.O; o += WG_Y) { acc += x[o * params.C + col]; }
  }
  part[lid.y * WG_X + lid.x] = acc;
  workgroupBarrier();
  if (lid.y == 0u && col < params.C) {
    var total = part[lid.x];
    for (var l = 1u; l < WG_Y; l++) { total += part[l * WG_X + lid.x]; }
    out[col] = total;
  }
}
`,
});

export const SUM_CHANNELS_WG = 256;

export const sumChannelsKernel: KernelSpec = kernel({
  name: 'sum_outer_inner_channels',
  bindings: BINDINGS,
  params: PARAMS,
  workgroupSize: [SUM_CHANNELS_WG, 1, 1],
  body: `
var<workgroup> part: array<f32, WG_X>;
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup_index(wid, nwg);
  if (c >= params.C) { return; }
  let total = params.O * params.I;
  var acc = 0.0;
  for (var j = lid; j < total; j += WG_X) {
    let o = j / params.I;
    acc += x[(o * params.C + c) * params.I + (j - o * params.I)];
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var half = WG_X / 2u; half > 0u; half = half / 2u) {
    if (lid < half) { part[lid] += part[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[c] = part[0]; }
}
`,
});
