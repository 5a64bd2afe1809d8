/**
 * Global gradient-norm clipping without a readback (PyTorch clip_grad_norm_, L2):
 *   1. `sumSquaresKernel`, once per gradient: each workgroup writes the sum of squares of a
 *      grid-strided share of the tensor to its own slot of a shared partials buffer (no atomics,
 *      so the result is deterministic);
 *   2. `clipFinalizeKernel`, one workgroup: norm = √Σ partials, scale = min(1, max/(norm + 1e-6));
 *   3. the scale is applied by the fused optimizer kernels or by `scaleInPlaceKernel`.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl, workgroupSumWgsl } from '../core/wgsl-snippets.js';

/** Workgroups per gradient are capped: each then loops over its share (grid stride). */
export const SUMSQ_WG = 256;
export const SUMSQ_MAX_GROUPS = 256;

/** Workgroups `sumSquaresKernel` uses for a tensor of `n` elements (`n/4` vec4s when vectorised). */
export function sumSquaresGroups(items: number): number {
  return Math.max(1, Math.min(SUMSQ_MAX_GROUPS, Math.ceil(items / (SUMSQ_WG * 4))));
}

const sumsqCache = new Map<boolean, KernelSpec<'n' | 'out_offset'>>();

export function sumSquaresKernel(vec4: boolean): KernelSpec<'n' | 'out_offset'> {
  let spec = sumsqCache.get(vec4);
  if (!spec) {
    spec = kernel({
      name: `grad_sumsq${vec4 ? '_v4' : ''}`,
      bindings: [
        { name: 'x', type: vec4 ? 'vec4<f32>' : 'f32', access: 'read' },
        { name: 'partials', type: 'f32', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'out_offset', type: 'u32' },
      ],
      workgroupSize: [SUMSQ_WG, 1, 1],
      body: `
${workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = wid.x * WG_X + lid; i < params.n; i += nwg.x * WG_X) {
    let v = x[i];
    acc += ${vec4 ? 'dot(v, v)' : 'v * v'};
  }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) { partials[params.out_offset + wid.x] = total; }
}
`,
    });
    sumsqCache.set(vec4, spec);
  }
  return spec;
}

export const clipFinalizeKernel = kernel({
  name: 'grad_clip_finalize',
  bindings: [
    { name: 'partials', type: 'f32', access: 'read' },
    { name: 'total_norm', type: 'f32', access: 'read_write' },
    { name: 'scale', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'count', type: 'u32' },
    { name: 'max_norm', type: 'f32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < params.count; i += WG_X) { acc += partials[i]; }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) {
    let norm = sqrt(total);
    total_norm[0] = norm;
    // min() would hide a NaN norm; PyTorch's clamp keeps it, so the update turns NaN visibly.
    let coef = params.max_norm / (norm + 1e-6);
    scale[0] = select(coef, 1.0, coef > 1.0);
  }
}
`,
});

const scaleCache = new Map<boolean, KernelSpec<'n'>>();

/** x ← x · scale[0], in place. */
export function scaleInPlaceKernel(vec4: boolean): KernelSpec<'n'> {
  let spec = scaleCache.get(vec4);
  if (!spec) {
    spec = kernel({
      name: `scale_in_place${vec4 ? '_v4' : ''}`,
      bindings: [
        { name: 'x', type: vec4 ? 'vec4<f32>' : 'f32', access: 'read_write' },
        { name: 'scale', type: 'f32', access: 'read' },
      ],
      params: [{ name: 'n', type: 'u32' }],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
  x[i] = x[i] * scale[0];
}
`,
    });
    scaleCache.set(vec4, spec);
  }
  return spec;
}

/** Float64 reference: [total L2 norm, clip scale]. */
export function clipReference(grads: readonly (readonly number[])[], maxNorm: number): [number, number] {
  let sq = 0;
  for (const g of grads) for (const v of g) sq += v * v;
  const norm = Math.sqrt(sq);
  return [norm, Math.min(1, maxNorm / (norm + 1e-6))];
}
