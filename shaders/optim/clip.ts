/**
 * Global gradient-norm clipping without a readback (PyTorch clip_grad_norm_, L2):
 *   1. `sumSquaresKernel`: the sums of squares of up to `k` gradients per dispatch (one binding
 *      each; a workgroup finds its gradient from the uniform `first<j>` workgroup offsets), each
 *      writing to its own slots of a shared partials buffer (no atomics, so the result is
 *      deterministic). GPUs: each workgroup reduces a grid-strided share of its gradient in
 *      workgroup memory to one partial. CPU adapters (`serial`, see shaders/core/serial.ts):
 *      every invocation writes its own partial, with no barriers;
 *   2. `clipFinalizeKernel`: norm = √Σ partials, scale = min(1, max/(norm + 1e-6));
 *   3. the scale is applied by the fused optimizer kernels or by `scaleInPlaceKernel`.
 */
import { type KernelSpec, type ParamField, kernel } from '../../engine/kernel.js';
import { SERIAL_WG } from '../core/serial.js';
import { flatEntryWgsl, workgroupSumWgsl } from '../core/wgsl-snippets.js';

/** Workgroups per gradient are capped: each then loops over its share (grid stride). */
export const SUMSQ_WG = 256;
export const SUMSQ_MAX_GROUPS = 256;
/** CPU adapters: workgroups per gradient grow one per this many items an invocation walks. */
const SERIAL_ITEMS_PER_THREAD = 4096;
const SERIAL_MAX_GROUPS = 64;

export interface SumSquaresVariant {
  /** Gradients bound per dispatch (unused bindings repeat a bound one and get no workgroups). */
  k: number;
  vec4: boolean;
  serial: boolean;
}

/** Invocations per workgroup of a variant. */
export function sumSquaresWorkgroup(serial: boolean): number {
  return serial ? SERIAL_WG : SUMSQ_WG;
}

/** Workgroups `sumSquaresKernel` uses for a tensor of `items` elements (`n/4` vec4s when vectorised). */
export function sumSquaresGroups(items: number, serial: boolean): number {
  const perGroup = serial ? SERIAL_WG * SERIAL_ITEMS_PER_THREAD : SUMSQ_WG * 4;
  return Math.max(1, Math.min(serial ? SERIAL_MAX_GROUPS : SUMSQ_MAX_GROUPS, Math.ceil(items / perGroup)));
}

/** Partial sums a workgroup writes: one on GPUs, one per invocation in the serial variant. */
export function sumSquaresPartialsPerGroup(serial: boolean): number {
  return serial ? SERIAL_WG : 1;
}

const sumsqCache = new Map<string, KernelSpec>();

/**
 * Params: `n<j>` items of gradient j, `first<j>` its first workgroup (first0 is 0 and omitted;
 * first<k> = the dispatch's workgroup count), `out_offset` the first partial slot.
 */
export function sumSquaresKernel(v: SumSquaresVariant): KernelSpec {
  const key = `${v.k}|${v.vec4}|${v.serial}`;
  let spec = sumsqCache.get(key);
  if (spec) return spec;
  const params: ParamField[] = [{ name: 'out_offset', type: 'u32' }];
  for (let j = 0; j < v.k; j++) params.push({ name: `n${j}`, type: 'u32' });
  for (let j = 1; j <= v.k; j++) params.push({ name: `first${j}`, type: 'u32' });
  const first = (j: number) => (j === 0 ? '0u' : `params.first${j}`);
  const pick = Array.from(
    { length: v.k - 1 },
    (_, i) => `  if (w >= params.first${i + 1}) { j = ${i + 1}u; }`,
  );
  const cases = Array.from(
    { length: v.k },
    (_, j) => `    case ${j}u: {
      let lw = w - ${first(j)};
      let stride = (${first(j + 1)} - ${first(j)}) * WG_X;
      for (var i = lw * WG_X + lid; i < params.n${j}; i += stride) { let e = x${j}[i]; acc += ${v.vec4 ? 'dot(e, e)' : 'e * e'}; }
    }`,
  );
  const sums = `  var j = 0u;
${pick.join('\n')}
  var acc = 0.0;
  switch j {
${cases.join('\n')}
    default: {}
  }`;
  const finish = v.serial
    ? '  partials[params.out_offset + w * WG_X + lid] = acc;'
    : `  let total = workgroup_sum(acc, lid);
  if (lid == 0u) { partials[params.out_offset + w] = total; }`;
  spec = kernel({
    name: `grad_sumsq_x${v.k}${v.vec4 ? '_v4' : ''}${v.serial ? '_serial' : ''}`,
    bindings: [
      ...Array.from({ length: v.k }, (_, j) => ({
        name: `x${j}`,
        type: v.vec4 ? 'vec4<f32>' : 'f32',
        access: 'read' as const,
      })),
      { name: 'partials', type: 'f32', access: 'read_write' },
    ],
    params,
    workgroupSize: [sumSquaresWorkgroup(v.serial), 1, 1],
    body: `
${v.serial ? '' : workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // The grid is exact (x only), so every workgroup belongs to a gradient.
  let w = wid.x;
${sums}
${finish}
}
`,
  });
  sumsqCache.set(key, spec);
  return spec;
}

const FINALIZE = `
  let norm = sqrt(total);
  total_norm[0] = norm;
  // min() would hide a NaN norm; PyTorch's clamp keeps it, so the update turns NaN visibly.
  let coef = params.max_norm / (norm + 1e-6);
  scale[0] = select(coef, 1.0, coef > 1.0);`;

const finalizeCache = new Map<boolean, KernelSpec>();

/** One workgroup (GPU: tree sum of the partials) or one invocation (serial: a loop). */
export function clipFinalizeKernel(serial: boolean): KernelSpec {
  let spec = finalizeCache.get(serial);
  if (spec) return spec;
  spec = kernel({
    name: `grad_clip_finalize${serial ? '_serial' : ''}`,
    bindings: [
      { name: 'partials', type: 'f32', access: 'read' },
      { name: 'total_norm', type: 'f32', access: 'read_write' },
      { name: 'scale', type: 'f32', access: 'read_write' },
    ],
    params: [
      { name: 'count', type: 'u32' },
      { name: 'max_norm', type: 'f32' },
    ],
    workgroupSize: [serial ? 1 : 256, 1, 1],
    body: serial
      ? `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main() {
  var total = 0.0;
  for (var i = 0u; i < params.count; i++) { total += partials[i]; }${FINALIZE}
}
`
      : `
${workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < params.count; i += WG_X) { acc += partials[i]; }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) {${FINALIZE.replace(/\n {2}/g, '\n    ')}
  }
}
`,
  });
  finalizeCache.set(serial, spec);
  return spec;
}

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
