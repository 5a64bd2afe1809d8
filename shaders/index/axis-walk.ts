/**
 * Shared WGSL generation for kernels that walk an index tensor's shape and address other
 * tensors by strides, with one axis ("the indexed axis") addressed through the index values
 * instead of the walk. Shapes and strides are scalar uniforms so one kernel serves every
 * shape of a given (rank, axis).
 */
import type { ParamField } from '../../engine/kernel.js';

export function dimParams(prefix: string, rank: number): ParamField[] {
  return Array.from({ length: rank }, (_, i) => ({ name: `${prefix}${i}`, type: 'u32' as const }));
}

export function dimValues(prefix: string, values: readonly number[]): Record<string, number> {
  const v: Record<string, number> = {};
  values.forEach((d, i) => (v[`${prefix}${i}`] = d));
  return v;
}

/**
 * WGSL statements: decomposes `linear` over dims `<dims>0..r-1` (row-major) and adds
 * `coord * <operand>_stride<d>` to the variable `<operand>_at` for every operand, except that
 * operands listed in `skipAxisFor` skip dimension `axis`. Declares `<operand>_at` starting at
 * `params.<operand>_offset`.
 */
export function walkStatements(
  dims: string,
  rank: number,
  operands: readonly string[],
  axis: number,
  skipAxisFor: readonly string[],
): string {
  const lines = ['var rest = linear;'];
  for (const op of operands) lines.push(`var ${op}_at = params.${op}_offset;`);
  for (let d = rank - 1; d >= 0; d--) {
    const coord = d > 0 ? `rest % params.${dims}${d}` : 'rest';
    lines.push(`{ let c = ${coord};`);
    for (const op of operands) {
      if (d === axis && skipAxisFor.includes(op)) continue;
      lines.push(`  ${op}_at += c * params.${op}_stride${d};`);
    }
    if (d > 0) lines.push(`  rest = rest / params.${dims}${d};`);
    lines.push('}');
  }
  return lines.map((l) => '  ' + l).join('\n');
}

/** Uniform fields `<operand>_offset` and `<operand>_stride0..r-1`. */
export function operandParams(operand: string, rank: number): ParamField[] {
  return [{ name: `${operand}_offset`, type: 'u32' }, ...dimParams(`${operand}_stride`, rank)];
}

export function operandValues(
  operand: string,
  offset: number,
  strides: readonly number[],
): Record<string, number> {
  return { [`${operand}_offset`]: offset, ...dimValues(`${operand}_stride`, strides) };
}
