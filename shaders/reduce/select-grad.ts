/**
 * Backward of max/min (dim semantics): the gradient of each output row goes to the one selected
 * element, zeros elsewhere. One thread per input element: its coordinates give its row (over
 * the kept dims) and column (over the reduced dims) by two stride sets on the same dims.
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

const cache = new Map<number, KernelSpec>();

export function selectGradKernel(rank: number): KernelSpec {
  let spec = cache.get(rank);
  if (!spec) {
    const params: ParamField[] = [{ name: 'n', type: 'u32' }];
    for (let d = 0; d < rank; d++) {
      params.push(
        { name: `dim${d}`, type: 'u32' },
        { name: `row_stride${d}`, type: 'u32' },
        { name: `col_stride${d}`, type: 'u32' },
      );
    }
    const lines = ['  var rest = i;', '  var row = 0u;', '  var col = 0u;'];
    for (let d = rank - 1; d >= 0; d--) {
      if (d > 0) lines.push(`  let c${d} = rest % params.dim${d};`, `  rest = rest / params.dim${d};`);
      const c = d > 0 ? `c${d}` : 'rest';
      lines.push(`  row += ${c} * params.row_stride${d};`, `  col += ${c} * params.col_stride${d};`);
    }
    spec = kernel({
      name: `reduce_select_grad_r${rank}`,
      bindings: [
        { name: 'g', type: 'f32', access: 'read' },
        { name: 'idx', type: 'i32', access: 'read' },
        { name: 'out', type: 'f32', access: 'read_write' },
      ],
      params,
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
${lines.join('\n')}
  out[i] = select(0.0, g[row], u32(idx[row]) == col);
}
`,
    });
    cache.set(rank, spec);
  }
  return spec;
}

/** CPU reference: scatter g[row] to the selected column of each row of a (rows × cols) layout. */
export function selectGradReference(
  g: ArrayLike<number>,
  indices: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
): number[] {
  const reduced = new Set(axes);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n).fill(0);
  const coords = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    let row = 0;
    let col = 0;
    shape.forEach((size, d) => {
      if (reduced.has(d)) col = col * size + coords[d]!;
      else row = row * size + coords[d]!;
    });
    if (indices[row] === col) out[i] = g[row]!;
  }
  return out;
}
