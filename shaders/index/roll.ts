/**
 * torch.roll: out[c] = src[(c - shift) mod dim] per dimension, reading any strided view of the
 * source directly (so rolling a permuted or sliced view costs one pass). 32-bit words.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { dimParams, operandParams } from './axis-walk.js';

const cache = new Map<number, KernelSpec>();

export function rollKernel(rank: number): KernelSpec {
  let spec = cache.get(rank);
  if (!spec) {
    const lines: string[] = ['  var rest = i;', '  var at = params.src_offset;'];
    for (let d = rank - 1; d >= 0; d--) {
      lines.push(`  { let dim = params.dim${d};`);
      lines.push(`    var c = ${d > 0 ? 'rest % dim' : 'rest'} + dim - params.shift${d};`);
      lines.push('    if (c >= dim) { c -= dim; }');
      lines.push(`    at += c * params.src_stride${d};`);
      if (d > 0) lines.push('    rest = rest / dim;');
      lines.push('  }');
    }
    spec = kernel({
      name: `roll_r${rank}`,
      bindings: [
        { name: 'src', type: 'u32', access: 'read' },
        { name: 'out', type: 'u32', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        ...dimParams('dim', rank),
        ...dimParams('shift', rank),
        ...operandParams('src', rank),
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
${lines.join('\n')}
  out[i] = src[at];
}
`,
    });
    cache.set(rank, spec);
  }
  return spec;
}

/** torch.roll of a dense row-major array; shifts per dimension (any integers). */
export function rollReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  shifts: readonly number[],
): number[] {
  const n = x.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let src = 0;
    let mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const dim = shape[d]!;
      const c = rest % dim;
      rest = Math.floor(rest / dim);
      const s = (((c - shifts[d]!) % dim) + dim) % dim;
      src += s * mul;
      mul *= dim;
    }
    out[i] = x[src]!;
  }
  return out;
}

/** Constant padding of a dense row-major array; pads[d] = [before, after], negative crops. */
export function padReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  pads: readonly (readonly [number, number])[],
  value: number,
): { data: number[]; shape: number[] } {
  const outShape = shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const n = outShape.reduce((a, b) => a * b, 1);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let src = 0;
    let mul = 1;
    let inside = true;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const c = rest % outShape[d]!;
      rest = Math.floor(rest / outShape[d]!);
      const s = c - pads[d]![0];
      if (s < 0 || s >= shape[d]!) inside = false;
      src += s * mul;
      mul *= shape[d]!;
    }
    data[i] = inside ? x[src]! : value;
  }
  return { data, shape: outShape };
}

/** Concatenation of dense row-major arrays along `axis`. */
export function concatReference(
  parts: readonly { data: ArrayLike<number>; shape: readonly number[] }[],
  axis: number,
): number[] {
  const shape0 = parts[0]!.shape;
  const outer = shape0.slice(0, axis).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = p.shape.slice(axis).reduce((a, b) => a * b, 1);
      for (let j = 0; j < chunk; j++) out.push(p.data[o * chunk + j]!);
    }
  }
  return out;
}
