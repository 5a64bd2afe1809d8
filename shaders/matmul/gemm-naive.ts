/**
 * GEMM v1 — naive: one invocation per output element, a scalar dot product over k.
 *
 * What it buys: simplicity, and on GPUs no waste on skinny problems (matrix-vector, depthwise
 * convolution, M or N below 16), where tiled kernels leave most lanes idle. It is also the
 * yardstick the tiled versions are checked and benchmarked against. On CPU adapters its
 * per-invocation overhead makes it the slowest choice everywhere, so they never pick it.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { GEMM_PARAMS, GEMM_PRELUDE, type GemmEpilogue, type GemmOperand } from './gemm-operand.js';

export const NAIVE_WG: readonly [number, number] = [16, 16];

export function naiveGemmKernel(a: GemmOperand, b: GemmOperand, epi: GemmEpilogue): KernelSpec {
  // Only the scalar loads are used, so operands of any vec kind work here.
  return kernel({
    name: `gemm_naive_${a.key}_${b.key}_${epi.key}`,
    bindings: [
      ...a.bindings,
      ...b.bindings,
      ...epi.bindings,
      { name: 'c', type: 'f32', access: 'read_write' },
    ],
    params: [...GEMM_PARAMS, ...a.params, ...b.params, ...epi.params],
    workgroupSize: [NAIVE_WG[0], NAIVE_WG[1], 1],
    body: `${GEMM_PRELUDE}
${a.wgsl}
${b.wgsl}
${epi.wgsl}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = wid.x * WG_X + lid.x;
  let m = params.m_base + wid.y * WG_Y + lid.y;
  if (n >= params.N || m >= params.M) { return; }
  let s = gemm_slice(wid.z);
  let a_bs = a_base(s.zb);
  let b_bs = b_base(s.zb);
  let ar = a_line(m);
  let bc = b_line(n);
  var acc = 0.0;
  for (var k = s.k_begin; k < s.k_end; k++) {
    acc += a_load(a_bs, ar, a_kinfo(k)) * b_load(b_bs, bc, b_kinfo(k));
  }
  c[s.c_base + m * params.N + n] = epilogue(s.zb, m, n, acc);
}
`,
  });
}
