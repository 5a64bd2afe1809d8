/**
 * Multi-scale deformable attention core (Mask2Former's `ms_deform_attn_core`): bilinear
 * sampling of every level at the sampling locations (grid_sample, align_corners=False, zero
 * padding), weighted by the attention weights and summed over levels and points. One forward
 * dispatch; the backward is one fused dispatch for grad_loc and grad_attn that also plans
 * grad_value's corners, whose inverse index and ordered sum (value-grad-ordered.ts) make
 * grad_value the same bits every run; `setScatterMode('atomic')` scatters it with float CAS adds
 * instead. See shaders/deform/ms-deform-attn.ts for the kernels.
 */
import {
  DEFORM_WORKGROUP_BYTES,
  backwardLayout,
  deformBackwardKernel,
  deformForwardKernel,
  forwardLayout,
  levelParamValues,
  vectorWidth,
} from '../../shaders/deform/ms-deform-attn.js';
import { deformValueGradOrderedKernel } from '../../shaders/deform/value-grad-ordered.js';
import { type LevelShapes, levelStartIndex, totalTokens } from '../../shaders/deform/reference.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous, fillInPlace, zeros } from './copy.js';
import { inverseIndex } from './index-ops.js';
import { scatterMode } from './scatter-mode.js';

export type { LevelShapes };
export { levelStartIndex };

export interface MsDeformAttnOptions {
  /**
   * Work layout. 'auto' (default): cooperative on GPUs, serial on CPU adapters. 'cooperative':
   * lanes across D, coalesced, with a workgroup reduction in the backward. 'serial': one
   * invocation per (n, q, m). Forcing one is for tests and benchmarks; results agree to rounding.
   */
  layout?: 'auto' | 'cooperative' | 'serial';
}

/** Workgroup memory the cooperative backward may declare on a CPU adapter (compile time grows with it). */
const CPU_WORKGROUP_BYTES = 1024;

interface DeformProblem {
  batch: number;
  tokens: number;
  heads: number;
  channels: number;
  queries: number;
  levels: number;
  points: number;
}

function checkInputs(value: Tensor, shapes: LevelShapes, loc: Tensor, attn: Tensor): DeformProblem {
  const what = () =>
    `ms_deform_attn: value ${value.describe()}, spatial shapes ${JSON.stringify(shapes)}, ` +
    `locations ${loc.describe()}, weights ${attn.describe()}`;
  for (const t of [value, loc, attn]) {
    if (t.dtype !== 'f32') throw new ShapeError(`${what()}: all tensors must be f32`);
  }
  if (value.ndim !== 4) throw new ShapeError(`${what()}: value must be [N, S, M, D]`);
  if (shapes.length === 0) throw new ShapeError(`${what()}: needs at least one level`);
  for (const s of shapes) {
    if (s.length !== 2 || !s.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new ShapeError(`${what()}: each level shape must be [H, W] with H, W >= 1`);
    }
  }
  const [batch, tokens, heads, channels] = value.shape as [number, number, number, number];
  if (tokens !== totalTokens(shapes)) {
    throw new ShapeError(`${what()}: value has ${tokens} tokens, the levels hold ${totalTokens(shapes)}`);
  }
  if (loc.ndim !== 6) throw new ShapeError(`${what()}: locations must be [N, Lq, M, L, P, 2]`);
  const [, queries, , , points] = loc.shape as number[] as [number, number, number, number, number, number];
  const levels = shapes.length;
  const expectLoc = [batch, queries, heads, levels, points, 2];
  if (!shapesEqual(loc.shape, expectLoc)) {
    throw new ShapeError(`${what()}: locations must be ${formatShape(expectLoc)}`);
  }
  const expectAttn = expectLoc.slice(0, 5);
  if (!shapesEqual(attn.shape, expectAttn)) {
    throw new ShapeError(`${what()}: weights must be ${formatShape(expectAttn)}`);
  }
  return { batch, tokens, heads, channels, queries, levels, points };
}

/**
 * grad_value = Σ over each value row's sample corners, in corner-key order: the inverse index of
 * the rows the backward kernel planned, then one invocation per (row, chunk) sums its corners.
 */
function orderedValueGrad(
  gradOut: Tensor,
  dest: Tensor,
  weight: Tensor,
  gradValue: Tensor,
  pr: DeformProblem,
  chunks: number,
  describe: () => string,
): void {
  const rows = pr.batch * pr.tokens * pr.heads;
  const { ends, keys } = inverseIndex(dest, rows);
  engine().stream.dispatch1D(
    deformValueGradOrderedKernel(vectorWidth(pr.channels)),
    [
      { buffer: gradOut.buffer },
      { buffer: keys.buffer },
      { buffer: ends.buffer },
      { buffer: weight.buffer },
      { buffer: gradValue.buffer },
    ],
    { n: rows * chunks, chunks, corners_per_group: 4 * pr.levels * pr.points },
    rows * chunks,
    describe,
  );
  ends.dispose();
  keys.dispose();
}

/**
 * ms_deform_attn_core(value [N, S, M, D], spatialShapes [[H_l, W_l], ...] (S = Σ H_l·W_l, levels
 * flattened level-major, row-major within a level), samplingLocations [N, Lq, M, L, P, 2]
 * holding normalised (x, y) in [0, 1] (points outside read zeros), attentionWeights
 * [N, Lq, M, L, P]) → [N, Lq, M·D], head-major channels. Differentiable in all three tensors.
 */
export function msDeformAttn(
  value: Tensor,
  spatialShapes: LevelShapes,
  samplingLocations: Tensor,
  attentionWeights: Tensor,
  options: MsDeformAttnOptions = {},
): Tensor {
  const pr = checkInputs(value, spatialShapes, samplingLocations, attentionWeights);
  const isCpu = engine().gpu.report.isCpu;
  const mode = options.layout ?? 'auto';
  const cooperative = mode === 'cooperative' || (mode === 'auto' && !isCpu);
  const shapes = spatialShapes.map(([h, w]) => [h, w] as const);
  const describe = () =>
    `ms_deform_attn value ${value.describe()} levels ${JSON.stringify(shapes)} at ${samplingLocations.describe()}`;
  const fwd = forwardLayout(pr.levels, pr.points, pr.channels, cooperative);
  const chunks = pr.channels / fwd.width;
  const groups = pr.batch * pr.queries * pr.heads;
  const params = {
    groups,
    heads: pr.heads,
    queries: pr.queries,
    tokens: pr.tokens,
    chunks,
    levels: pr.levels,
    points: pr.points,
    ...levelParamValues(shapes),
  };
  const stream = engine().stream;
  const out = Tensor.empty([pr.batch, pr.queries, pr.heads * pr.channels]);
  const vd = contiguous(value);
  const ld = contiguous(samplingLocations);
  const ad = contiguous(attentionWeights);
  if (out.size > 0) {
    stream.dispatch1D(
      deformForwardKernel(fwd),
      [{ buffer: vd.buffer }, { buffer: ld.buffer }, { buffer: ad.buffer }, { buffer: out.buffer }],
      params,
      groups * fwd.lanes,
      describe,
    );
  }
  if (vd !== value) vd.dispose();
  if (ld !== samplingLocations) ld.dispose();
  if (ad !== attentionWeights) ad.dispose();

  return recordOp(out, 'ms_deform_attn', [value, samplingLocations, attentionWeights], (g) => {
    const wantValue = value.requiresGrad;
    const wantLoc = samplingLocations.requiresGrad;
    const wantAttn = attentionWeights.requiresGrad;
    const atomic = scatterMode() === 'atomic';
    const gradValue = wantValue && atomic ? zeros(value.shape) : Tensor.empty(wantValue ? value.shape : [1]);
    // The corner plan of the ordered grad_value (one vec4 of rows and of weights per sample).
    const samples = groups * pr.levels * pr.points;
    const plan = wantValue && !atomic;
    const dest = Tensor.empty([plan ? samples * 4 : 1], 'u32');
    const weight = Tensor.empty([plan ? samples * 4 : 1]);
    const gradLoc = Tensor.empty(samplingLocations.shape);
    const gradAttn = Tensor.empty(attentionWeights.shape);
    if (groups > 0) {
      const bwd = backwardLayout(
        pr.levels,
        pr.points,
        pr.channels,
        cooperative,
        isCpu ? CPU_WORKGROUP_BYTES : DEFORM_WORKGROUP_BYTES,
      );
      const gd = contiguous(g);
      const v = contiguous(value);
      const l = contiguous(samplingLocations);
      const a = contiguous(attentionWeights);
      stream.dispatch1D(
        deformBackwardKernel(bwd, atomic ? 'atomic' : 'plan'),
        [
          { buffer: v.buffer },
          { buffer: l.buffer },
          { buffer: a.buffer },
          { buffer: gd.buffer },
          ...(atomic ? [{ buffer: gradValue.buffer }] : [{ buffer: dest.buffer }, { buffer: weight.buffer }]),
          { buffer: gradLoc.buffer },
          { buffer: gradAttn.buffer },
        ],
        { ...params, want_value: wantValue ? 1 : 0 },
        groups * bwd.lanes,
        describe,
      );
      if (plan) orderedValueGrad(gd, dest, weight, gradValue, pr, chunks, describe);
      for (const [dense, orig] of [
        [gd, g],
        [v, value],
        [l, samplingLocations],
        [a, attentionWeights],
      ] as const) {
        if (dense !== orig) dense.dispose();
      }
    }
    if (plan && groups === 0) fillInPlace(gradValue, 0);
    dest.dispose();
    weight.dispose();
    if (!wantValue) gradValue.dispose();
    if (!wantLoc) gradLoc.dispose();
    if (!wantAttn) gradAttn.dispose();
    return [wantValue ? gradValue : null, wantLoc ? gradLoc : null, wantAttn ? gradAttn : null];
  });
}
