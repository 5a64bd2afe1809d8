/**
 * The GEMM kernel versions side by side, and how big a block of C each workgroup covers.
 *   naive     v1  gemm-naive.ts     one output per invocation
 *   register  v2  gemm-register.ts  4x4 per invocation in registers, vec4 loads, no workgroup memory
 *   register8 v2  gemm-register-cpu.ts  8x8 per invocation, tiles packed 16 per workgroup: CPU
 *                 adapters, operands read as vec4 (gathered operands compile slowly at 8x8)
 *   tiled64   v3  gemm-tiled.ts     64x64 block in workgroup memory, 4x4 per invocation
 *   tiled128  v3  gemm-tiled.ts     128x128 block, 8x8 per invocation, double-buffered
 * Which one runs is decided per adapter and shape in engine/ops/matmul.ts (`chooseGemmPlan`).
 */
import type { KernelSpec } from '../../engine/kernel.js';
import type { GemmEpilogue, GemmOperand } from './gemm-operand.js';
import { NAIVE_WG, naiveGemmKernel } from './gemm-naive.js';
import { REGISTER_TILE, registerGemmKernel, registerWorkgroup } from './gemm-register.js';
import { CPU_REGISTER_WG, CPU_TILE, cpuRegisterGemmKernel } from './gemm-register-cpu.js';
import { TILED_128, TILED_64, tiledGemmKernel } from './gemm-tiled.js';

export type GemmVariant = 'naive' | 'register' | 'register8' | 'tiled64' | 'tiled128';
export const GEMM_VARIANTS: readonly GemmVariant[] = [
  'naive',
  'register',
  'register8',
  'tiled64',
  'tiled128',
];

/**
 * Rows (m) and columns (n) of C per workgroup, for C with `m` rows. register8 numbers its tiles
 * over the whole of C instead (cpuRegisterGrid): its 16 tiles per workgroup count as one row of
 * tiles here.
 */
export function gemmBlock(variant: GemmVariant, m: number): { rows: number; cols: number } {
  switch (variant) {
    case 'naive':
      return { rows: NAIVE_WG[1], cols: NAIVE_WG[0] };
    case 'register': {
      const wg = registerWorkgroup(m);
      return { rows: wg[1] * REGISTER_TILE, cols: wg[0] * REGISTER_TILE };
    }
    case 'register8':
      return { rows: CPU_TILE, cols: CPU_REGISTER_WG * CPU_TILE };
    case 'tiled64':
      return { rows: TILED_64.bm, cols: TILED_64.bn };
    case 'tiled128':
      return { rows: TILED_128.bm, cols: TILED_128.bn };
  }
}

/** Whether a variant reads operands four at a time (the naive kernel reads scalars). */
export function variantUsesVec4(variant: GemmVariant): boolean {
  return variant !== 'naive';
}

const cache = new Map<string, KernelSpec>();

export function gemmKernel(
  variant: GemmVariant,
  a: GemmOperand,
  b: GemmOperand,
  epi: GemmEpilogue,
  vecC: boolean,
  m: number,
): KernelSpec {
  const wide = variant === 'register' ? registerWorkgroup(m) : null;
  const key = `${variant}|${a.key}|${b.key}|${epi.key}|${vecC}|${wide}`;
  let spec = cache.get(key);
  if (!spec) {
    if (variant === 'naive') spec = naiveGemmKernel(a, b, epi);
    else if (variant === 'register') spec = registerGemmKernel(a, b, epi, vecC, registerWorkgroup(m));
    else if (variant === 'register8') spec = cpuRegisterGemmKernel(a, b, epi, vecC);
    else spec = tiledGemmKernel(a, b, epi, vecC, variant === 'tiled64' ? TILED_64 : TILED_128);
    cache.set(key, spec);
  }
  return spec;
}
