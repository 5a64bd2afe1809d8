import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { outDimParams, stridedIndexFn, stridedIndexReference, stridedInputParams } from './strided.js';
import { flatEntryWgsl } from './wgsl-snippets.js';

/**
 * Strided gather into a dense buffer: out[i] = src[index_of(i)], 32-bit words, any dtype.
 * This is `contiguous()` and the materialisation of every view.
 */
const cache = new Map<number, KernelSpec>();

export function stridedCopyKernel(rank: number): KernelSpec {
  let spec = cache.get(rank);
  if (!spec) {
    spec = kernel({
      name: `strided_copy_r${rank}`,
      bindings: [
        { name: 'src', type: 'u32', access: 'read' },
        { name: 'dst', type: 'u32', access: 'read_write' },
      ],
      params: [{ name: 'n', type: 'u32' }, ...outDimParams(rank), ...stridedInputParams('src', rank)],
      workgroupSize: [256, 1, 1],
      body: `
${stridedIndexFn('src', rank)}
${flatEntryWgsl()}
  dst[i] = src[src_index(i)];
}
`,
    });
    cache.set(rank, spec);
  }
  return spec;
}

export function stridedCopyReference(
  src: ArrayLike<number>,
  shape: readonly number[],
  offset: number,
  strides: readonly number[],
): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = src[stridedIndexReference(i, shape, offset, strides)]!;
  return out;
}

/** Fills a buffer with one 32-bit pattern (the bits of an f32, i32 or u32 value). */
export const fillKernel = kernel({
  name: 'fill',
  bindings: [{ name: 'dst', type: 'u32', access: 'read_write' }],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'bits', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${flatEntryWgsl()}
  dst[i] = params.bits;
}
`,
});

export function fillReference(n: number, value: number): number[] {
  return new Array<number>(n).fill(value);
}

/** Dense into strided: dst[index_of(i)] = src[i]. Writes a tensor into a view (slice, pad, concat). */
const scatterCache = new Map<number, KernelSpec>();

export function stridedWriteKernel(rank: number): KernelSpec {
  let spec = scatterCache.get(rank);
  if (!spec) {
    spec = kernel({
      name: `strided_write_r${rank}`,
      bindings: [
        { name: 'src', type: 'u32', access: 'read' },
        { name: 'dst', type: 'u32', access: 'read_write' },
      ],
      params: [{ name: 'n', type: 'u32' }, ...outDimParams(rank), ...stridedInputParams('dst', rank)],
      workgroupSize: [256, 1, 1],
      body: `
${stridedIndexFn('dst', rank)}
${flatEntryWgsl()}
  dst[dst_index(i)] = src[i];
}
`,
    });
    scatterCache.set(rank, spec);
  }
  return spec;
}

export function stridedWriteReference(
  dst: number[],
  src: ArrayLike<number>,
  shape: readonly number[],
  offset: number,
  strides: readonly number[],
): number[] {
  const out = [...dst];
  for (let i = 0; i < src.length; i++) out[stridedIndexReference(i, shape, offset, strides)] = src[i]!;
  return out;
}
