/**
 * GEMM v2 — register-tiled: each invocation computes a 4x4 block of C in four vec4
 * accumulators, stepping k by 4 with 16-byte loads, and no workgroup memory at all.
 *
 * What it buys over v1: 16 FMAs per 8 loads instead of 1 per 2, and vec4 loads along whichever
 * dimension of each operand is contiguous (a transposed view just changes which). Without
 * workgroup memory there are no barriers, which is what CPU adapters want: on SwiftShader this
 * is ~4x faster than a workgroup-tiled kernel (PLATFORM.md), since its "shared memory" is plain
 * memory behind a barrier that serialises the workgroup. On GPUs it relies on L1/L2 for reuse.
 * With a gathered (scalar) operand, such as a convolution's im2col, k advances one at a time and
 * each k is decoded once (`p_kinfo`) for all four rows or columns.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { GEMM_PARAMS, GEMM_PRELUDE, type GemmEpilogue, type GemmOperand } from './gemm-operand.js';

/** 8x8 invocations of 4x4 each: a 32x32 block of C per workgroup. */
export const REGISTER_WG: readonly [number, number] = [8, 8];
/** For C of at most 4 rows (depthwise convolution, vector-matrix): 64 invocations along n. */
export const REGISTER_WG_WIDE: readonly [number, number] = [64, 1];
export const REGISTER_TILE = 4;

/** The workgroup shape the register-tiled kernel uses for C with `m` rows. */
export function registerWorkgroup(m: number): readonly [number, number] {
  return m <= REGISTER_TILE ? REGISTER_WG_WIDE : REGISTER_WG;
}

const C4 = ['x', 'y', 'z', 'w'] as const;
const range4 = [0, 1, 2, 3] as const;

/** WGSL lines defining a0..a3 (row i of A over k..k+3); both operands are vec4 here. */
function loadA(a: GemmOperand): string[] {
  if (a.vec === 'k') return range4.map((i) => `let a${i} = a_load4(a_bs, ar${i}, k);`);
  return [
    ...range4.map((t) => `let at${t} = a_load4(a_bs, ar0, k + ${t}u);`),
    ...range4.map((i) => `let a${i} = vec4<f32>(at0.${C4[i]}, at1.${C4[i]}, at2.${C4[i]}, at3.${C4[i]});`),
  ];
}

/** WGSL lines defining b0..b3 (row k+t of B over the 4 columns). */
function loadB(b: GemmOperand): string[] {
  if (b.vec === 'outer') return range4.map((t) => `let b${t} = b_load4(b_bs, bc0, k + ${t}u);`);
  return [
    ...range4.map((j) => `let bt${j} = b_load4(b_bs, bc${j}, k);`),
    ...range4.map((t) => `let b${t} = vec4<f32>(bt0.${C4[t]}, bt1.${C4[t]}, bt2.${C4[t]}, bt3.${C4[t]});`),
  ];
}

export function registerGemmKernel(
  a: GemmOperand,
  b: GemmOperand,
  epi: GemmEpilogue,
  vecC: boolean,
  wg: readonly [number, number] = REGISTER_WG,
): KernelSpec {
  // Lines of A rows / B columns: one line when vec4 runs along them, else four clamped ones.
  const aLines =
    a.vec === 'outer'
      ? ['let ar0 = a_line(m0);']
      : range4.map((i) => `let ar${i} = a_line(min(m0 + ${i}u, params.M - 1u));`);
  const bLines =
    b.vec === 'outer'
      ? ['let bc0 = b_line(n0);']
      : range4.map((j) => `let bc${j} = b_line(min(n0 + ${j}u, params.N - 1u));`);
  const tailA =
    a.vec === 'outer'
      ? ['let at = a_load4(a_bs, ar0, k);', ...range4.map((i) => `let a${i} = at.${C4[i]};`)]
      : ['let ka = a_kinfo(k);', ...range4.map((i) => `let a${i} = a_load(a_bs, ar${i}, ka);`)];
  const tailB =
    b.vec === 'outer'
      ? 'let bk = b_load4(b_bs, bc0, k);'
      : `let kb = b_kinfo(k);\n    let bk = vec4<f32>(${range4.map((j) => `b_load(b_bs, bc${j}, kb)`).join(', ')});`;
  const store = range4.map((i) => {
    const values = range4.map((j) => `epilogue(s.zb, mr${i}, n0 + ${j}u, acc${i}.${C4[j]})`);
    const write = vecC
      ? `c[(s.c_base + mr${i} * params.N + n0) >> 2u] = vec4<f32>(${values.join(', ')});`
      : range4
          .map(
            (j) =>
              `if (n0 + ${j}u < params.N) { c[s.c_base + mr${i} * params.N + n0 + ${j}u] = ${values[j]}; }`,
          )
          .join('\n      ');
    return `  let mr${i} = m0 + ${i}u;\n  if (mr${i} < params.M) {\n      ${write}\n  }`;
  });
  // Stepping k by 4 pays when both operands come as vec4; with a scalar (e.g. gathered im2col)
  // operand the 16 scalar loads per step only bloat the shader (slow SwiftShader compiles), so
  // the single-step loop below does all of k.
  const useK4 = a.vec !== 'none' && b.vec !== 'none';
  const mainLoop = useK4
    ? `for (; k < k4_end; k += 4u) {
    ${loadA(a).join('\n    ')}
    ${loadB(b).join('\n    ')}
${range4.map((i) => `    acc${i} += a${i}.x * b0 + a${i}.y * b1 + a${i}.z * b2 + a${i}.w * b3;`).join('\n')}
  }`
    : '';
  return kernel({
    name: `gemm_reg${wg[0]}x${wg[1]}_${a.key}_${b.key}_${epi.key}_${vecC ? 'c4' : 'c1'}`,
    bindings: [
      ...a.bindings,
      ...b.bindings,
      ...epi.bindings,
      { name: 'c', type: vecC ? 'vec4<f32>' : 'f32', access: 'read_write' },
    ],
    params: [...GEMM_PARAMS, ...a.params, ...b.params, ...epi.params],
    workgroupSize: [wg[0], wg[1], 1],
    body: `${GEMM_PRELUDE}
${a.wgsl}
${b.wgsl}
${epi.wgsl}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n0 = (wid.x * WG_X + lid.x) * 4u;
  let m0 = params.m_base + (wid.y * WG_Y + lid.y) * 4u;
  if (n0 >= params.N || m0 >= params.M) { return; }
  let s = gemm_slice(wid.z);
  let a_bs = a_base(s.zb);
  let b_bs = b_base(s.zb);
  ${aLines.join('\n  ')}
  ${bLines.join('\n  ')}
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var k = s.k_begin;${useK4 ? '\n  let k4_end = s.k_begin + ((s.k_end - s.k_begin) & ~3u);' : ''}
  ${mainLoop}
  for (; k < s.k_end; k++) {
    ${tailA.join('\n    ')}
    ${tailB}
${range4.map((i) => `    acc${i} += a${i} * bk;`).join('\n')}
  }
${store.join('\n')}
}
`,
  });
}
