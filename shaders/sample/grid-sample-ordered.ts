/**
 * grid_sample's input gradient in a fixed summation order (the default 'deterministic' scatter
 * mode). A source is one corner of one sampled point, key = (batch·points + p)·4 + corner; its
 * destination is the pixel batch·H·W + y·W + x it reads (channels share it), none for corners
 * outside the image.
 *
 * 1. `gridSampleScatterPlanKernel`, one invocation per (batch, point): the four corners'
 *    destinations and bilinear weights.
 * 2. The inverse index over those destinations (shaders/index/inverse-index.ts): per pixel, its
 *    corner keys in increasing order.
 * 3. `gridSampleInputGradOrderedKernel`, one invocation per input element (batch, c, pixel):
 *    Σ weight[key] · grad[batch, c, p(key)] over the pixel's keys in order. Every element is
 *    written (no zero fill); neighbouring invocations are neighbouring pixels of one channel.
 */
import { kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { NO_DESTINATION, bucketRangeFn } from '../index/inverse-index.js';
import { cornersFn, pointParams } from './grid-sample.js';

/** dest/weight[(batch·points + p)·4 + k] for corner k (00, 01, 10, 11) of every point. */
export const gridSampleScatterPlanKernel = kernel({
  name: 'grid_sample_scatter_plan',
  bindings: [
    { name: 'grid', type: 'f32', access: 'read' },
    { name: 'dest', type: 'vec4<u32>', access: 'read_write' },
    { name: 'weight', type: 'vec4<f32>', access: 'read_write' },
  ],
  params: [...pointParams],
  workgroupSize: [256, 1, 1],
  body: `
${cornersFn}
${flatEntryWgsl()}
  let p = i % params.points;
  let batch = i / params.points;
  let k = corners(batch, p);
  let base = batch * params.in_h * params.in_w;
  let none = ${NO_DESTINATION}u;
  dest[i] = vec4<u32>(
    select(none, base + k.i00, k.v00 != 0.0),
    select(none, base + k.i01, k.v01 != 0.0),
    select(none, base + k.i10, k.v10 != 0.0),
    select(none, base + k.i11, k.v11 != 0.0)
  );
  weight[i] = vec4<f32>(k.w00, k.w01, k.w10, k.w11);
}
`,
});

/** grad_x[batch, c, pixel] = Σ weight[key] · grad[batch, c, p(key)] over the pixel's keys, in order. */
export const gridSampleInputGradOrderedKernel = kernel({
  name: 'grid_sample_bilinear_grad_input_ordered',
  bindings: [
    { name: 'grad', type: 'f32', access: 'read' },
    { name: 'keys', type: 'u32', access: 'read' },
    { name: 'ends', type: 'u32', access: 'read' },
    { name: 'weight', type: 'f32', access: 'read' },
    { name: 'grad_x', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'channels', type: 'u32' },
    { name: 'plane', type: 'u32' },
    { name: 'points', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${bucketRangeFn}
${flatEntryWgsl()}
  let pixel = i % params.plane;
  let bc = i / params.plane;
  let batch = bc / params.channels;
  let range = bucket_range(batch * params.plane + pixel);
  let row = bc * params.points;
  var acc = 0.0;
  for (var s = range.x; s < range.y; s++) {
    let key = keys[s];
    acc += weight[key] * grad[row + (key / 4u) % params.points];
  }
  grad_x[i] = acc;
}
`,
});
