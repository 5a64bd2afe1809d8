/**
 * grad_value of the deformable attention core in a fixed summation order (the 'plan' scatter of
 * ms-deform-attn.ts). Sources are sample corners, key = li·4 + k with li the (group, level,
 * point) index; the backward kernel wrote each corner's value row and weight attn·corner_weight,
 * and the inverse index lists every row's keys in increasing order.
 *
 * One invocation per (value row, chunk), chunk fastest: grad_value[row, c] = Σ weight[key] ·
 * grad_out[group(key), c] over the row's keys in order. The lanes of a row read the same keys
 * (one broadcast) and neighbouring chunks of grad_out (coalesced); every element is written, so
 * grad_value needs no zero fill.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { bucketRangeFn } from '../index/inverse-index.js';
import type { VectorWidth } from './ms-deform-attn.js';

const cache = new Map<VectorWidth, KernelSpec>();

export function deformValueGradOrderedKernel(width: VectorWidth): KernelSpec {
  let spec = cache.get(width);
  if (spec) return spec;
  const vt = width === 1 ? 'f32' : `vec${width}<f32>`;
  spec = kernel({
    name: `ms_deform_attn_grad_value_ordered_v${width}`,
    bindings: [
      { name: 'grad_out', type: vt, access: 'read' },
      { name: 'keys', type: 'u32', access: 'read' },
      { name: 'ends', type: 'u32', access: 'read' },
      { name: 'weight', type: 'f32', access: 'read' },
      { name: 'grad_value', type: vt, access: 'read_write' },
    ],
    params: [
      { name: 'n', type: 'u32' }, // value rows · chunks
      { name: 'chunks', type: 'u32' },
      { name: 'corners_per_group', type: 'u32' }, // 4·L·P
    ],
    workgroupSize: [256, 1, 1],
    body: `
${bucketRangeFn}
${flatEntryWgsl()}
  let c = i % params.chunks;
  let range = bucket_range(i / params.chunks);
  var acc = ${vt}(0.0);
  for (var s = range.x; s < range.y; s++) {
    let key = keys[s];
    acc += weight[key] * grad_out[(key / params.corners_per_group) * params.chunks + c];
  }
  grad_value[i] = acc;
}
`,
  });
  cache.set(width, spec);
  return spec;
}
