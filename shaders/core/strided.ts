/**
 * WGSL helpers for reading a strided view by the linear index of a dense output. Used by the
 * copy kernel and by elementwise kernels whose inputs are broadcast, permuted or sliced views.
 * Shapes and strides travel as scalar uniform fields (`<prefix>_stride<i>`, `out_dim<i>`) so
 * one compiled kernel serves every shape of a given rank.
 */
import type { ParamField } from '../../engine/kernel.js';

export const MAX_RANK = 8;

/** Uniform fields for the dense output's dimensions (rank r). */
export function outDimParams(rank: number): ParamField[] {
  return Array.from({ length: rank }, (_, i) => ({ name: `out_dim${i}`, type: 'u32' as const }));
}

/** Uniform fields for one strided input's element offset and strides (rank r). */
export function stridedInputParams(prefix: string, rank: number): ParamField[] {
  return [
    { name: `${prefix}_offset`, type: 'u32' as const },
    ...Array.from({ length: rank }, (_, i) => ({ name: `${prefix}_stride${i}`, type: 'u32' as const })),
  ];
}

/**
 * WGSL function `<prefix>_index(linear: u32) -> u32` mapping a dense output index to the
 * element index of the strided input (stride 0 on broadcast dimensions).
 */
export function stridedIndexFn(prefix: string, rank: number): string {
  const lines = [
    `fn ${prefix}_index(linear: u32) -> u32 {`,
    `  var rest = linear;`,
    `  var idx = params.${prefix}_offset;`,
  ];
  for (let i = rank - 1; i >= 0; i--) {
    if (i > 0) {
      lines.push(`  idx += (rest % params.out_dim${i}) * params.${prefix}_stride${i};`);
      lines.push(`  rest = rest / params.out_dim${i};`);
    } else {
      lines.push(`  idx += rest * params.${prefix}_stride0;`);
    }
  }
  lines.push('  return idx;', '}');
  return lines.join('\n');
}

/** Param values for the output dims. */
export function outDimValues(shape: readonly number[]): Record<string, number> {
  const v: Record<string, number> = {};
  shape.forEach((d, i) => (v[`out_dim${i}`] = d));
  return v;
}

/** Param values for a strided input viewed at the output's shape (strides already broadcast). */
export function stridedInputValues(
  prefix: string,
  offset: number,
  strides: readonly number[],
): Record<string, number> {
  const v: Record<string, number> = { [`${prefix}_offset`]: offset };
  strides.forEach((s, i) => (v[`${prefix}_stride${i}`] = s));
  return v;
}

/** CPU reference of the same index mapping. */
export function stridedIndexReference(
  linear: number,
  shape: readonly number[],
  offset: number,
  strides: readonly number[],
): number {
  let rest = linear;
  let idx = offset;
  for (let i = shape.length - 1; i >= 0; i--) {
    idx += (rest % shape[i]!) * strides[i]!;
    rest = Math.floor(rest / shape[i]!);
  }
  return idx;
}
