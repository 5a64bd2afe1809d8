/**
 * Deterministic f32 scatter-adds as gathers over an inverse index (see inverse-index.ts): each
 * destination element is owned by one invocation, which adds its sources in increasing source
 * order. The sum therefore has the same rounding every run.
 *
 * - scatter_add along an axis (general index tensor): `scatterDestKernel` writes each index
 *   element's destination (dense address in `out`, NO_DESTINATION when out of range), the
 *   inverse index is built over them, and `scatterAddOrderedKernel` adds the sources (walked back
 *   from their linear id) onto `out`'s base values.
 * - index_select's adjoint (index_add over 1-D indices): the inverse index is built over the
 *   indices themselves (one source per picked slice, not per element), and `indexAddRowsKernel`
 *   sums the picked slices of each row: out[o, r, i] = Σ_{j: indices[j] = r} g[o, j, i]. Threads
 *   of neighbouring i share the bucket and read neighbouring addresses.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { dimParams, operandParams, walkStatements } from './axis-walk.js';
import { NO_DESTINATION, bucketRangeFn } from './inverse-index.js';

const destCache = new Map<string, KernelSpec>();

/** dest[i] = dense address in `out` that index element i adds to, or NO_DESTINATION. */
export function scatterDestKernel(rank: number, axis: number): KernelSpec {
  const key = `${rank}:${axis}`;
  let spec = destCache.get(key);
  if (!spec) {
    spec = kernel({
      name: `scatter_dest_r${rank}_a${axis}`,
      bindings: [
        { name: 'index', type: 'i32', access: 'read' },
        { name: 'dest', type: 'u32', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'axis_len', type: 'u32' },
        ...dimParams('dim', rank),
        ...operandParams('idx', rank),
        ...operandParams('dst', rank),
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl('linear')}
${walkStatements('dim', rank, ['idx', 'dst'], axis, ['dst'])}
  let k = index[idx_at];
  if (k < 0 || u32(k) >= params.axis_len) {
    dest[linear] = ${NO_DESTINATION}u;
    return;
  }
  dest[linear] = dst_at + u32(k) * params.dst_stride${axis};
}
`,
    });
    destCache.set(key, spec);
  }
  return spec;
}

const orderedCache = new Map<string, KernelSpec>();

/** out[e] += Σ src[walk(key)] over e's bucket, in key order (out dense, one invocation per e). */
export function scatterAddOrderedKernel(rank: number): KernelSpec {
  const key = `${rank}`;
  let spec = orderedCache.get(key);
  if (!spec) {
    spec = kernel({
      name: `scatter_add_ordered_r${rank}`,
      bindings: [
        { name: 'src', type: 'f32', access: 'read' },
        { name: 'keys', type: 'u32', access: 'read' },
        { name: 'ends', type: 'u32', access: 'read' },
        { name: 'out', type: 'f32', access: 'read_write' },
      ],
      params: [{ name: 'n', type: 'u32' }, ...dimParams('dim', rank), ...operandParams('src', rank)],
      workgroupSize: [256, 1, 1],
      body: `
${bucketRangeFn}
${flatEntryWgsl('e')}
  let range = bucket_range(e);
  if (range.x == range.y) { return; }
  var acc = out[e];
  for (var s = range.x; s < range.y; s++) {
    let linear = keys[s];
${walkStatements('dim', rank, ['src'], -1, [])}
    acc += src[src_at];
  }
  out[e] = acc;
}
`,
    });
    orderedCache.set(key, spec);
  }
  return spec;
}

/** out[o, r, i] = Σ g[o, j, i] over j in bucket r, in order; g dense [outer, picks, inner]. */
export const indexAddRowsKernel: KernelSpec = kernel({
  name: 'index_add_rows',
  bindings: [
    { name: 'g', type: 'f32', access: 'read' },
    { name: 'keys', type: 'u32', access: 'read' },
    { name: 'ends', type: 'u32', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'rows', type: 'u32' },
    { name: 'inner', type: 'u32' },
    { name: 'picks', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${bucketRangeFn}
${flatEntryWgsl('e')}
  let i = e % params.inner;
  let rest = e / params.inner;
  let r = rest % params.rows;
  let o = rest / params.rows;
  let range = bucket_range(r);
  let base = o * params.picks * params.inner + i;
  var acc = 0.0;
  for (var s = range.x; s < range.y; s++) {
    acc += g[base + keys[s] * params.inner];
  }
  out[e] = acc;
}
`,
});
