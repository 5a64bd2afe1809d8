/**
 * Fused cross-entropy over logits [N, C, S...] (classes on axis 1, S = product of the trailing
 * dims, 1 for [N, C]) and int targets [N, S...], with PyTorch's semantics: class weights w, an
 * ignore index (weight 0), and 'mean' = Σ w[y]·ℓ / Σ w[y].
 *
 *  1. `crossEntropyForwardKernel` — one thread per position: an online (single-pass) logsumexp
 *     over the classes, ℓ = lse − x[y]; writes lse (for the backward) and w·ℓ per position, and
 *     one (Σ w·ℓ, Σ w) partial per workgroup.
 *  2. `crossEntropyFinalizeKernel` — one workgroup sums the partials: sum or weighted mean.
 *  3. `crossEntropyBackwardKernel` — one thread per logit: g·w[y]·(softmax − onehot(y)).
 * A target outside [0, C) that is not the ignore index gives a NaN loss (no readback to raise).
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl, workgroupSumWgsl } from '../core/wgsl-snippets.js';

export const CE_WG = 256;
export const NAN_BITS = 0x7fc00000;

const forwardCache = new Map<boolean, KernelSpec>();

export function crossEntropyForwardKernel(hasWeight: boolean): KernelSpec {
  let spec = forwardCache.get(hasWeight);
  if (!spec) {
    spec = kernel({
      name: `cross_entropy_forward${hasWeight ? '_weighted' : ''}`,
      bindings: [
        { name: 'logits', type: 'f32', access: 'read' },
        { name: 'labels', type: 'i32', access: 'read' },
        ...(hasWeight ? [{ name: 'class_weight', type: 'f32', access: 'read' as const }] : []),
        { name: 'lse_out', type: 'f32', access: 'read_write' },
        { name: 'elem_out', type: 'f32', access: 'read_write' },
        { name: 'partials', type: 'vec2<f32>', access: 'read_write' },
      ],
      params: [
        { name: 'positions', type: 'u32' },
        { name: 'classes', type: 'u32' },
        { name: 'inner', type: 'u32' },
        { name: 'ignore_index', type: 'i32' },
        { name: 'nan_bits', type: 'u32' },
      ],
      workgroupSize: [CE_WG, 1, 1],
      body: `
${workgroupSumWgsl('vec2<f32>')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = flat_workgroup_index(wid, nwg);
  let pos = group * WG_X + lid;
  var contrib = vec2<f32>(0.0);
  if (pos < params.positions) {
    let n = pos / params.inner;
    let s = pos % params.inner;
    let base = n * params.classes * params.inner + s;
    var mx = logits[base];
    var total = 1.0;
    for (var c = 1u; c < params.classes; c++) {
      let v = logits[base + c * params.inner];
      if (v > mx) {
        total = total * exp(mx - v) + 1.0;
        mx = v;
      } else {
        total += exp(v - mx);
      }
    }
    let lse = mx + log(total);
    lse_out[pos] = lse;
    let y = labels[pos];
    var w = 0.0;
    var loss = 0.0;
    if (y != params.ignore_index) {
      if (y < 0 || u32(y) >= params.classes) {
        w = 1.0;
        loss = bitcast<f32>(params.nan_bits);
      } else {
        w = ${hasWeight ? 'class_weight[u32(y)]' : '1.0'};
        loss = lse - logits[base + u32(y) * params.inner];
      }
    }
    elem_out[pos] = w * loss;
    contrib = vec2<f32>(w * loss, w);
  }
  let total = workgroup_sum(contrib, lid);
  if (lid == 0u) { partials[group] = total; }
}
`,
    });
    forwardCache.set(hasWeight, spec);
  }
  return spec;
}

export const crossEntropyFinalizeKernel = kernel({
  name: 'cross_entropy_finalize',
  bindings: [
    { name: 'partials', type: 'vec2<f32>', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
    { name: 'weight_sum', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'count', type: 'u32' },
    { name: 'mean', type: 'u32' },
    { name: 'nan_bits', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${workgroupSumWgsl('vec2<f32>')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = vec2<f32>(0.0);
  for (var i = lid; i < params.count; i += WG_X) { acc += partials[i]; }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) {
    weight_sum[0] = total.y;
    if (params.mean == 0u) {
      out[0] = total.x;
    } else if (total.y == 0.0) {
      out[0] = bitcast<f32>(params.nan_bits); // PyTorch: a mean over nothing is NaN
    } else {
      out[0] = total.x / total.y;
    }
  }
}
`,
});

/** Upstream gradient layout of the backward: per position ('none'), one scalar ('sum'), scalar / Σw ('mean'). */
export const CE_GRAD_MODE = { none: 0, sum: 1, mean: 2 } as const;

const backwardCache = new Map<boolean, KernelSpec>();

export function crossEntropyBackwardKernel(hasWeight: boolean): KernelSpec {
  let spec = backwardCache.get(hasWeight);
  if (!spec) {
    spec = kernel({
      name: `cross_entropy_backward${hasWeight ? '_weighted' : ''}`,
      bindings: [
        { name: 'logits', type: 'f32', access: 'read' },
        { name: 'labels', type: 'i32', access: 'read' },
        ...(hasWeight ? [{ name: 'class_weight', type: 'f32', access: 'read' as const }] : []),
        { name: 'lse', type: 'f32', access: 'read' },
        { name: 'weight_sum', type: 'f32', access: 'read' },
        { name: 'upstream', type: 'f32', access: 'read' },
        { name: 'grad_logits', type: 'f32', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'classes', type: 'u32' },
        { name: 'inner', type: 'u32' },
        { name: 'ignore_index', type: 'i32' },
        { name: 'mode', type: 'u32' },
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl('k')}
  let s = k % params.inner;
  let c = (k / params.inner) % params.classes;
  let pos = (k / (params.inner * params.classes)) * params.inner + s;
  let y = labels[pos];
  if (y == params.ignore_index || y < 0 || u32(y) >= params.classes) {
    grad_logits[k] = 0.0;
    return;
  }
  var g = upstream[0];
  if (params.mode == 0u) { g = upstream[pos]; }
  else if (params.mode == 2u) { g = g / weight_sum[0]; }
  let w = ${hasWeight ? 'class_weight[u32(y)]' : '1.0'};
  let p = exp(logits[k] - lse[pos]);
  grad_logits[k] = g * w * (p - select(0.0, 1.0, c == u32(y)));
}
`,
    });
    backwardCache.set(hasWeight, spec);
  }
  return spec;
}

/** Float64 reference: PyTorch F.cross_entropy on row-major logits [N, C, S] and targets [N, S]. */
export function crossEntropyReference(
  logits: ArrayLike<number>,
  target: ArrayLike<number>,
  classes: number,
  inner: number,
  options: { weight?: ArrayLike<number>; reduction: 'mean' | 'sum' | 'none'; ignoreIndex: number },
): number[] {
  const positions = target.length;
  const elems: number[] = [];
  let sum = 0;
  let wsum = 0;
  for (let pos = 0; pos < positions; pos++) {
    const n = Math.floor(pos / inner);
    const s = pos % inner;
    const y = target[pos]!;
    if (y === options.ignoreIndex) {
      elems.push(0);
      continue;
    }
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, logits[(n * classes + c) * inner + s]!);
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(logits[(n * classes + c) * inner + s]! - mx);
    const loss = mx + Math.log(total) - logits[(n * classes + y) * inner + s]!;
    const w = options.weight ? options.weight[y]! : 1;
    elems.push(w * loss);
    sum += w * loss;
    wsum += w;
  }
  if (options.reduction === 'none') return elems;
  return [options.reduction === 'sum' ? sum : sum / wsum];
}
