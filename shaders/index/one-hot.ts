/** one_hot: out[i, c] = (indices[i] == c); indices outside [0, classes) give an all-zero row. */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

const cache = new Map<string, KernelSpec>();

export function oneHotKernel(dtype: 'f32' | 'i32'): KernelSpec {
  let spec = cache.get(dtype);
  if (!spec) {
    spec = kernel({
      name: `one_hot_${dtype}`,
      bindings: [
        { name: 'indices', type: 'i32', access: 'read' },
        { name: 'out', type: dtype, access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'classes', type: 'u32' },
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
  let k = indices[i / params.classes];
  out[i] = select(${dtype}(0), ${dtype}(1), k >= 0 && u32(k) == i % params.classes);
}
`,
    });
    cache.set(dtype, spec);
  }
  return spec;
}

export function oneHotReference(indices: ArrayLike<number>, classes: number): number[] {
  const out = new Array<number>(indices.length * classes).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (k >= 0 && k < classes) out[i * classes + k] = 1;
  }
  return out;
}
