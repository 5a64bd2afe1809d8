/**
 * The pieces every GEMM kernel (naive, register-tiled, workgroup-tiled) is assembled from.
 *
 * A kernel computes, for each batch index z, C[z][m][n] = epilogue(sum_k A[z][m][k] * B[z][k][n])
 * into a dense C. A and B are *operands*: WGSL snippets that say how to read element (outer, k)
 * of batch z, where "outer" is m for A and n for B. A plain (possibly transposed, broadcast,
 * sliced) tensor is one kind of operand (`stridedOperand`); convolutions supply implicit im2col
 * operands (shaders/conv/), so one set of tuned GEMM kernels serves matmul, linear and conv.
 *
 * Operand WGSL contract, for prefix p ('a' or 'b'):
 *   alias/struct p_line_t            per-outer-index precomputation, hoisted out of the k loop
 *   alias/struct p_k_t               per-k precomputation, shared by the loads of one k step
 *   fn p_base(zb: u32) -> u32        element offset of batch zb
 *   fn p_line(outer: u32) -> p_line_t
 *   fn p_kinfo(k: u32) -> p_k_t
 *   fn p_load(base: u32, line: p_line_t, kinfo: p_k_t) -> f32
 *   fn p_load4(base: u32, line: p_line_t, k: u32) -> vec4<f32>   (only when vec != 'none')
 * The line/kinfo split keeps index decoding (divisions, for gathered operands) out of the
 * innermost loads: a register tile of 4x4 decodes each k once, not four times.
 *     vec 'k':     elements k..k+3 of one line (k is a multiple of 4)
 *     vec 'outer': element k of lines outer..outer+3 (line of an outer that is a multiple of 4)
 * Loads may be given indices past the end (rows past M, k past K); they must not fault (WebGPU
 * clamps out-of-bounds reads) and the kernels discard or zero what comes back.
 */
import type { ParamField, StorageBinding } from '../../engine/kernel.js';

export type OperandVec = 'k' | 'outer' | 'none';

export interface GemmOperand {
  /** Distinguishes kernels built from different operand code (part of the kernel name). */
  readonly key: string;
  readonly bindings: readonly StorageBinding[];
  readonly params: readonly ParamField[];
  readonly wgsl: string;
  readonly vec: OperandVec;
}

/** Applied to each accumulated value before it is stored (bias, or nothing). */
export interface GemmEpilogue {
  readonly key: string;
  readonly bindings: readonly StorageBinding[];
  readonly params: readonly ParamField[];
  /** Defines `fn epilogue(zb: u32, m: u32, n: u32, v: f32) -> f32`. */
  readonly wgsl: string;
}

/** Parameters every GEMM kernel takes, before the operands' own. */
export const GEMM_PARAMS: readonly ParamField[] = [
  { name: 'M', type: 'u32' },
  { name: 'N', type: 'u32' },
  { name: 'K', type: 'u32' },
  // Split-K: batch index zg = split * nbatch + zb; split s sums k in [s*k_chunk, (s+1)*k_chunk).
  { name: 'k_chunk', type: 'u32' },
  { name: 'nbatch', type: 'u32' },
  // Grids over 65,535 workgroups are issued as several dispatches starting at these.
  { name: 'batch_base', type: 'u32' },
  { name: 'm_base', type: 'u32' },
];

/** WGSL shared by all variants: where this workgroup's batch and k range are. */
export const GEMM_PRELUDE = `
struct GemmSlice { zg: u32, zb: u32, k_begin: u32, k_end: u32, c_base: u32 }
fn gemm_slice(wz: u32) -> GemmSlice {
  let zg = params.batch_base + wz;
  let split = zg / params.nbatch;
  let zb = zg - split * params.nbatch;
  let k_begin = min(params.K, split * params.k_chunk);
  let k_end = min(params.K, k_begin + params.k_chunk);
  return GemmSlice(zg, zb, k_begin, k_end, zg * params.M * params.N);
}
`;

export const NO_EPILOGUE: GemmEpilogue = {
  key: 'plain',
  bindings: [],
  params: [],
  wgsl: 'fn epilogue(zb: u32, m: u32, n: u32, v: f32) -> f32 { return v; }',
};

/** v + bias[e_off + m] ('m') or v + bias[e_off + n] ('n'): linear's and 1x1 conv's bias. */
export function biasEpilogue(along: 'm' | 'n'): GemmEpilogue {
  return {
    key: `bias${along}`,
    bindings: [{ name: 'bias', type: 'f32', access: 'read' }],
    params: [{ name: 'e_off', type: 'u32' }],
    wgsl: `fn epilogue(zb: u32, m: u32, n: u32, v: f32) -> f32 { return v + bias[params.e_off + ${along}]; }`,
  };
}

/** Grouped convolution bias: batch zb = image * groups + group; m is the channel in the group. */
export const GROUPED_BIAS_EPILOGUE: GemmEpilogue = {
  key: 'biasg',
  bindings: [{ name: 'bias', type: 'f32', access: 'read' }],
  params: [{ name: 'e_groups', type: 'u32' }],
  wgsl: `fn epilogue(zb: u32, m: u32, n: u32, v: f32) -> f32 {
  return v + bias[(zb % params.e_groups) * params.M + m];
}`,
};

/**
 * A tensor view read through its strides: element (z, outer, k) is at
 * off + i0*sb0 + i1*sb1 + i2*sb2 + outer*so + k*sk, with z = (i0*bd1 + i1)*bd2 + i2.
 * Transposed views are just swapped strides, so no operand is ever copied. With vec 'k' (sk = 1)
 * or 'outer' (so = 1) and every other stride and the offset multiples of 4, the buffer is bound
 * as vec4 and read 16 bytes at a time.
 */
export function stridedOperand(p: 'a' | 'b', vec: OperandVec): GemmOperand {
  const vector = vec !== 'none';
  const scalarRead = vector ? `${p}[e >> 2u][e & 3u]` : `${p}[e]`;
  const names = ['off', 'so', 'sk', 'sb0', 'sb1', 'sb2', 'bd1', 'bd2'];
  let wgsl = `
alias ${p}_line_t = u32;
alias ${p}_k_t = u32;
fn ${p}_base(zb: u32) -> u32 {
  let i2 = zb % params.${p}_bd2;
  let r = zb / params.${p}_bd2;
  return params.${p}_off + (r / params.${p}_bd1) * params.${p}_sb0 + (r % params.${p}_bd1) * params.${p}_sb1 +
    i2 * params.${p}_sb2;
}
fn ${p}_line(outer: u32) -> u32 { return outer * params.${p}_so; }
fn ${p}_kinfo(k: u32) -> u32 { return k * params.${p}_sk; }
fn ${p}_load(base: u32, line: u32, kinfo: u32) -> f32 {
  let e = base + line + kinfo;
  return ${scalarRead};
}
`;
  if (vector) {
    const kTerm = vec === 'k' ? 'k' : `k * params.${p}_sk`;
    wgsl += `fn ${p}_load4(base: u32, line: u32, k: u32) -> vec4<f32> { return ${p}[(base + line + ${kTerm}) >> 2u]; }\n`;
  }
  return {
    key: `s${vec[0]}`,
    bindings: [{ name: p, type: vector ? 'vec4<f32>' : 'f32', access: 'read' }],
    params: names.map((n) => ({ name: `${p}_${n}`, type: 'u32' as const })),
    wgsl,
    vec,
  };
}

/** Strides of one strided operand, as the op computes them. */
export interface StridedLayout {
  off: number;
  /** Stride along the outer index (m for A, n for B) and along k. */
  so: number;
  sk: number;
  /** Batch strides of up to three batch dimensions (outermost first) and the inner two sizes. */
  sb: readonly [number, number, number];
  bd: readonly [number, number];
}

export function stridedOperandValues(p: 'a' | 'b', l: StridedLayout): Record<string, number> {
  return {
    [`${p}_off`]: l.off,
    [`${p}_so`]: l.so,
    [`${p}_sk`]: l.sk,
    [`${p}_sb0`]: l.sb[0],
    [`${p}_sb1`]: l.sb[1],
    [`${p}_sb2`]: l.sb[2],
    [`${p}_bd1`]: l.bd[0],
    [`${p}_bd2`]: l.bd[1],
  };
}

/**
 * The widest read a strided layout allows: 'k' when k is unit-stride and everything else stays
 * 16-byte aligned, else 'outer' likewise, else scalar. Strides of size-1 dims do not count.
 */
export function stridedVec(
  l: StridedLayout,
  outerSize: number,
  kSize: number,
  batchSizes: readonly number[],
): OperandVec {
  const aligned = (s: number) => s % 4 === 0;
  const batchAligned = l.sb.every((s, i) => (batchSizes[i] ?? 1) <= 1 || aligned(s));
  if (!aligned(l.off) || !batchAligned) return 'none';
  if (kSize >= 4 && l.sk === 1 && (outerSize <= 1 || aligned(l.so))) return 'k';
  if (outerSize >= 4 && l.so === 1 && (kSize <= 1 || aligned(l.sk))) return 'outer';
  return 'none';
}
