/**
 * Fused per-row sigmoid losses over [N, P] mask logits and targets (Mask2Former's criterion):
 * one pass over the data gives, per row, Σℓ (BCE or focal), Σσ(x)·t, Σσ(x) and Σt, from which
 * both the mean-over-points CE/focal loss and the dice loss follow.
 *
 *  1. `maskRowStatsKernel` — grid (chunks, rows): each workgroup reduces a contiguous chunk of a
 *     row (coalesced, vec4 when P % 4 == 0) into one vec4 partial; no atomics.
 *  2. `maskRowFinalizeKernel` — one workgroup: per-row stats (kept for the backward) and the
 *     scalar losses  ce = outScale · Σ_n rowScale·Σℓ_n,  dice = outScale · Σ_n (1 − (2A+1)/(S+T+1)).
 *  3. `maskRowBackwardKernel` — one elementwise pass: ∂/∂x (and optionally ∂/∂t) of
 *     g_ce·ce + g_dice·dice, reading the row stats and the upstream gradient from the GPU.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl, workgroupSumWgsl } from '../core/wgsl-snippets.js';
import {
  FOCAL_PARAMS,
  type FocalOptions,
  type SigmoidLossMode,
  bceWithLogitsElementReference,
  focalElementReference,
  sigmoidLossWgsl,
  sigmoidReference,
} from './sigmoid-common.js';

export const MASK_ROW_WG = 256;
/** Target elements (or vec4s) per thread in one chunk, before the chunk count is capped. */
const ITEMS_PER_THREAD = 8;
const MAX_CHUNKS = 256;

/** Chunks per row for a row of `items` loads (elements, or vec4s when vectorised). */
export function maskRowChunks(items: number): number {
  return Math.max(1, Math.min(MAX_CHUNKS, Math.ceil(items / (MASK_ROW_WG * ITEMS_PER_THREAD))));
}

const statsCache = new Map<string, KernelSpec>();

export function maskRowStatsKernel(mode: SigmoidLossMode, vec4: boolean): KernelSpec {
  const key = `${mode}-${vec4}`;
  let spec = statsCache.get(key);
  if (!spec) {
    const accumulate = vec4
      ? `let xv = logits[base + j];
    let tv = targets[base + j];
    for (var k = 0u; k < 4u; k++) { add_element(&acc, xv[k], tv[k]); }`
      : `add_element(&acc, logits[base + j], targets[base + j]);`;
    spec = kernel({
      name: `mask_row_stats_${mode}${vec4 ? '_v4' : ''}`,
      bindings: [
        { name: 'logits', type: vec4 ? 'vec4<f32>' : 'f32', access: 'read' },
        { name: 'targets', type: vec4 ? 'vec4<f32>' : 'f32', access: 'read' },
        { name: 'partials', type: 'vec4<f32>', access: 'read_write' },
      ],
      params: [
        { name: 'rows', type: 'u32' },
        { name: 'row_items', type: 'u32' },
        { name: 'chunks', type: 'u32' },
        { name: 'chunk_items', type: 'u32' },
        ...FOCAL_PARAMS,
      ],
      workgroupSize: [MASK_ROW_WG, 1, 1],
      body: `
${sigmoidLossWgsl(mode)}
${workgroupSumWgsl('vec4<f32>')}
fn add_element(acc: ptr<function, vec4<f32>>, x: f32, t: f32) {
  let lp = elem_loss(x, t);
  *acc += vec4<f32>(lp.x, lp.y * t, lp.y, t);
}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.z * nwg.y + wid.y;
  if (row >= params.rows) { return; }
  let chunk = wid.x;
  let base = row * params.row_items;
  let start = chunk * params.chunk_items;
  let end = min(params.row_items, start + params.chunk_items);
  var acc = vec4<f32>(0.0);
  for (var j = start + lid; j < end; j += WG_X) {
    ${accumulate}
  }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) { partials[row * params.chunks + chunk] = total; }
}
`,
    });
    statsCache.set(key, spec);
  }
  return spec;
}

/** Which scalar losses the finalize kernel writes, in output order. */
export type MaskRowEmit = 'ce' | 'dice' | 'both';

export const EMIT_CODE: Record<MaskRowEmit, number> = { ce: 0, dice: 1, both: 2 };

export const maskRowFinalizeKernel = kernel({
  name: 'mask_row_finalize',
  bindings: [
    { name: 'partials', type: 'vec4<f32>', access: 'read' },
    { name: 'row_stats', type: 'vec4<f32>', access: 'read_write' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'rows', type: 'u32' },
    { name: 'chunks', type: 'u32' },
    { name: 'row_scale', type: 'f32' },
    { name: 'out_scale', type: 'f32' },
    { name: 'emit', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${workgroupSumWgsl('vec2<f32>')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = vec2<f32>(0.0);
  for (var r = lid; r < params.rows; r += WG_X) {
    var st = vec4<f32>(0.0);
    for (var c = 0u; c < params.chunks; c++) { st += partials[r * params.chunks + c]; }
    row_stats[r] = st;
    let dice = 1.0 - (2.0 * st.y + 1.0) / (st.z + st.w + 1.0);
    acc += vec2<f32>(st.x * params.row_scale, dice);
  }
  let sums = workgroup_sum(acc, lid);
  if (lid == 0u) {
    let total = sums * params.out_scale;
    if (params.emit == 0u) { out[0] = total.x; }
    else if (params.emit == 1u) { out[0] = total.y; }
    else { out[0] = total.x; out[1] = total.y; }
  }
}
`,
});

const backwardCache = new Map<string, KernelSpec>();

/**
 * grad_x (and grad_t with `targetGrad`) of  g_ce·ce + g_dice·dice, one thread per element
 * (per vec4 when vectorised). `upstream` holds the output gradient(s) in emit order.
 */
export function maskRowBackwardKernel(mode: SigmoidLossMode, vec4: boolean, targetGrad: boolean): KernelSpec {
  const key = `${mode}-${vec4}-${targetGrad}`;
  let spec = backwardCache.get(key);
  if (!spec) {
    const t = vec4 ? 'vec4<f32>' : 'f32';
    const body = vec4
      ? `let xv = logits[i];
  let tv = targets[i];
  var gx = vec4<f32>(0.0);
  var gt = vec4<f32>(0.0);
  for (var k = 0u; k < 4u; k++) {
    let g = element_grads(xv[k], tv[k], st, gce, gdice);
    gx[k] = g.x;
    gt[k] = g.y;
  }`
      : `let g = element_grads(logits[i], targets[i], st, gce, gdice);
  let gx = g.x;
  let gt = g.y;`;
    spec = kernel({
      name: `mask_row_backward_${mode}${vec4 ? '_v4' : ''}${targetGrad ? '_dt' : ''}`,
      bindings: [
        { name: 'logits', type: t, access: 'read' },
        { name: 'targets', type: t, access: 'read' },
        { name: 'row_stats', type: 'vec4<f32>', access: 'read' },
        { name: 'upstream', type: 'f32', access: 'read' },
        { name: 'grad_logits', type: t, access: 'read_write' },
        ...(targetGrad ? [{ name: 'grad_targets', type: t, access: 'read_write' as const }] : []),
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'row_items', type: 'u32' },
        { name: 'ce_scale', type: 'f32' },
        { name: 'dice_scale', type: 'f32' },
        { name: 'emit', type: 'u32' },
        ...FOCAL_PARAMS,
      ],
      workgroupSize: [256, 1, 1],
      body: `
${sigmoidLossWgsl(mode)}
// (∂/∂x, ∂/∂t) of g_ce·ce_scale·ℓ(x,t) + g_dice·dice_scale·dice_row, dice = 1 − (2A+1)/D.
fn element_grads(x: f32, t: f32, st: vec4<f32>, gce: f32, gdice: f32) -> vec2<f32> {
  var g = elem_grad(x, t) * (gce * params.ce_scale);
  if (gdice != 0.0) {
    let p = sigmoid_of(x);
    let num = 2.0 * st.y + 1.0;
    let den = st.z + st.w + 1.0;
    let w = gdice * params.dice_scale / (den * den);
    g += vec2<f32>(-(2.0 * t * den - num) * w * p * (1.0 - p), -(2.0 * p * den - num) * w);
  }
  return g;
}
${flatEntryWgsl()}
  let st = row_stats[i / params.row_items];
  var gce = 0.0;
  var gdice = 0.0;
  if (params.emit == 0u) { gce = upstream[0]; }
  else if (params.emit == 1u) { gdice = upstream[0]; }
  else { gce = upstream[0]; gdice = upstream[1]; }
  ${body}
  grad_logits[i] = gx;
  ${targetGrad ? 'grad_targets[i] = gt;' : '_ = gt;'}
}
`,
    });
    backwardCache.set(key, spec);
  }
  return spec;
}

/** Float64 references of the row losses on row-major [rows, P] data. */
export function maskRowLossesReference(
  x: ArrayLike<number>,
  t: ArrayLike<number>,
  rows: number,
  p: number,
  options: { mode: SigmoidLossMode; rowScale: number; outScale: number; focal?: FocalOptions },
): { ce: number; dice: number } {
  let ce = 0;
  let dice = 0;
  for (let r = 0; r < rows; r++) {
    let sumLoss = 0;
    let inter = 0;
    let sumP = 0;
    let sumT = 0;
    for (let j = 0; j < p; j++) {
      const xi = x[r * p + j]!;
      const ti = t[r * p + j]!;
      const s = sigmoidReference(xi);
      sumLoss +=
        options.mode === 'bce'
          ? bceWithLogitsElementReference(xi, ti)
          : focalElementReference(xi, ti, options.focal!);
      inter += s * ti;
      sumP += s;
      sumT += ti;
    }
    ce += sumLoss * options.rowScale;
    dice += 1 - (2 * inter + 1) / (sumP + sumT + 1);
  }
  return { ce: ce * options.outScale, dice: dice * options.outScale };
}

/** Mask2Former's sigmoid_ce_loss: BCE mean over points, summed over masks, / numMasks. */
export function sigmoidCeLossReference(
  x: ArrayLike<number>,
  t: ArrayLike<number>,
  rows: number,
  numMasks: number,
): number {
  const p = rows === 0 ? 0 : x.length / rows;
  return maskRowLossesReference(x, t, rows, p, { mode: 'bce', rowScale: 1 / p, outScale: 1 / numMasks }).ce;
}

/** Mask2Former's dice_loss: Σ_n [1 − (2Σσ(x)t + 1)/(Σσ(x) + Σt + 1)] / numMasks. */
export function diceLossReference(
  x: ArrayLike<number>,
  t: ArrayLike<number>,
  rows: number,
  numMasks: number,
): number {
  const p = rows === 0 ? 0 : x.length / rows;
  return maskRowLossesReference(x, t, rows, p, { mode: 'bce', rowScale: 1, outScale: 1 / numMasks }).dice;
}
