/**
 * Point-based matching costs (PointVIS §3.2): for each matching problem (a video's objects with
 * their labelled points against its R class-agnostic proposals) the [J, R] matrices
 *   L_ann[j, r]   = Σ_t Σ_k 1[M_r(P_j^t(k), t) ≠ L_j^t(k)]               (eq. 3)
 *   L_cineg[j, r] = Σ_t Σ_{positive points p of objects i ≠ j in frame t} M_r(p, t)
 *   cost          = λ1 L_ann + λ2 L_cineg − λ3 score_r                    (eq. 4, L_maskness = −score)
 * where t runs over the frames in which object j is present. Costs are raw counts, as in the
 * paper, unless `normalize: 'points'`. Batched over problems into padded [B, maxJ, maxR].
 *
 * Masks are bit-packed on the GPU (shaders/pointcost/layout.ts); `packProposalMasks` makes the
 * bits from soft masks and measures maskness in the same pass. Matching is discrete, so none of
 * these ops records a gradient.
 */
import { MASKNESS_WG, PACK_WORDS, masknessKernel, packMasksKernel } from '../../shaders/pointcost/pack.js';
import { COVERAGE_WG, coverageKernel } from '../../shaders/pointcost/coverage.js';
import {
  type CostWeights,
  OBJECT_COSTS_WG,
  objectCostsKernel,
} from '../../shaders/pointcost/object-costs.js';
import { wordsPerRow } from '../../shaders/pointcost/layout.js';
import {
  type CostNormalization,
  type PointCostProblem,
  type PresenceRule,
  buildPointCostTables,
} from '../../shaders/pointcost/tables.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { contiguous, tensor } from './copy.js';
import { reshape } from './view.js';

export type { CostWeights } from '../../shaders/pointcost/object-costs.js';
export type {
  CostNormalization,
  PixelPoint,
  PointCostObject,
  PointCostProblem,
  PresenceRule,
} from '../../shaders/pointcost/tables.js';
export { framePresent } from '../../shaders/pointcost/tables.js';
export { wordsPerRow } from '../../shaders/pointcost/layout.js';

/** λ1, λ2, λ3 of the paper (§4.1): 5, 5, 2. */
export const PAPER_COST_WEIGHTS: CostWeights = { ann: 5, cineg: 5, maskness: 2 };

export interface PackedProposals {
  /** u32 [N, T, H, ceil(W/32)]. */
  bits: Tensor;
  /** f32 [N]: mean soft value over T×H×W (the paper's maskness c_r). */
  maskness: Tensor;
  /** f32 [N, T]: mean soft value over each frame. */
  frameMaskness: Tensor;
}

export interface PackedBlock {
  /** [N, T, H, W] of the soft masks. */
  shape: [number, number, number, number];
  bitsOffset: number;
  masknessOffset: number;
  frameOffset: number;
}

/** Several proposal sets packed into shared 1-D buffers (one video each, any sizes). */
export interface PackedProposalList {
  bits: Tensor;
  maskness: Tensor;
  frameMaskness: Tensor;
  blocks: PackedBlock[];
}

function softShape(t: Tensor, i: number): [number, number, number, number] {
  if (t.dtype !== 'f32' || t.ndim !== 4) {
    throw new ShapeError(`packProposalMasks: masks ${i} are ${t.describe()}, expected f32 [N, T, H, W]`);
  }
  return [t.shape[0]!, t.shape[1]!, t.shape[2]!, t.shape[3]!];
}

/**
 * Packs each soft mask set f32 [N, T, H, W] (values in [0, 1]) into bits (value > threshold)
 * and measures maskness, all into shared buffers: two dispatches per set.
 */
export function packProposalMaskList(softs: readonly Tensor[], threshold = 0.5): PackedProposalList {
  const shapes = softs.map(softShape);
  const blocks: PackedBlock[] = [];
  let bitsTotal = 0;
  let masknessTotal = 0;
  let frameTotal = 0;
  let partialTotal = 0;
  const chunks: number[] = [];
  for (const shape of shapes) {
    const [n, frames, height, width] = shape;
    blocks.push({ shape, bitsOffset: bitsTotal, masknessOffset: masknessTotal, frameOffset: frameTotal });
    const frameWords = height * wordsPerRow(width);
    const c = Math.ceil(frameWords / PACK_WORDS);
    chunks.push(c);
    bitsTotal += n * frames * frameWords;
    masknessTotal += n;
    frameTotal += n * frames;
    partialTotal += n * frames * c;
  }
  const bits = Tensor.empty([bitsTotal], 'u32');
  const maskness = Tensor.empty([masknessTotal], 'f32');
  const frameMaskness = Tensor.empty([frameTotal], 'f32');
  const partial = Tensor.empty([Math.max(partialTotal, 1)], 'f32');
  const stream = engine().stream;
  let partialOffset = 0;
  softs.forEach((soft, i) => {
    const [n, frames, height, width] = shapes[i]!;
    const block = blocks[i]!;
    const c = chunks[i]!;
    if (n === 0) return;
    // A contiguous view (a video sliced from a batch) is read in place, at its offset.
    const dense = soft.isContiguous() ? soft : contiguous(soft);
    const vec4 = width % 4 === 0 && dense.offset % 4 === 0;
    const describe = () => `${soft.describe()} threshold ${threshold}`;
    if (c > 0) {
      stream.dispatch1D(
        packMasksKernel(vec4),
        [{ buffer: dense.buffer }, { buffer: bits.buffer }, { buffer: partial.buffer }],
        {
          frames: n * frames,
          height,
          width,
          soft_offset: dense.offset,
          words_per_row: wordsPerRow(width),
          chunks_per_frame: c,
          bits_offset: block.bitsOffset,
          partial_offset: partialOffset,
          threshold,
        },
        n * frames * c * PACK_WORDS,
        describe,
      );
    }
    stream.dispatch1D(
      masknessKernel,
      [{ buffer: partial.buffer }, { buffer: maskness.buffer }, { buffer: frameMaskness.buffer }],
      {
        n,
        frames,
        chunks_per_frame: c,
        partial_offset: partialOffset,
        maskness_offset: block.masknessOffset,
        frame_offset: block.frameOffset,
        inv_pixels: height * width > 0 ? 1 / (height * width) : 0,
        inv_frames: frames > 0 ? 1 / frames : 0,
      },
      n * MASKNESS_WG,
      describe,
    );
    partialOffset += n * frames * c;
    if (dense !== soft) dense.dispose();
  });
  partial.dispose();
  return { bits, maskness, frameMaskness, blocks };
}

/** Packs one soft mask set f32 [N, T, H, W]: bits [N, T, H, ceil(W/32)], maskness [N, T] means. */
export function packProposalMasks(soft: Tensor, threshold = 0.5): PackedProposals {
  const [n, frames, height, width] = softShape(soft, 0);
  const list = packProposalMaskList([soft], threshold);
  const out = {
    bits: reshape(list.bits, [n, frames, height, wordsPerRow(width)]),
    maskness: list.maskness,
    frameMaskness: reshape(list.frameMaskness, [n, frames]),
  };
  list.bits.dispose();
  list.frameMaskness.dispose();
  return out;
}

export interface PointCostOptions {
  /** λ1, λ2, λ3 (default the paper's 5, 5, 2). */
  weights?: Partial<CostWeights>;
  /** 'none' (default): raw counts as in eq. 3; 'points': divided by the number of points. */
  normalize?: CostNormalization;
  /** Which frames count as "the object shows up" (default 'any-point'). */
  presence?: PresenceRule;
  /** Value of the padding cells outside each problem's J×R (default 0); solvers use the sizes. */
  pad?: number;
}

export interface PointCostMatrices {
  /** f32 [B, maxJ, maxR]: λ1 L_ann + λ2 L_cineg − λ3 score. */
  cost: Tensor;
  /** f32 [B, maxJ, maxR]: L_ann (normalised when asked). */
  ann: Tensor;
  /** f32 [B, maxJ, maxR]: L_cineg (normalised when asked). */
  cineg: Tensor;
}

export function resolveCostWeights(weights?: Partial<CostWeights>): CostWeights {
  return { ...PAPER_COST_WEIGHTS, ...weights };
}

function checkBounds(bits: Tensor, scores: Tensor, problems: readonly PointCostProblem[]): void {
  problems.forEach((p, b) => {
    if (p.proposals === 0) return;
    const frameWords = p.height * wordsPerRow(p.width);
    if (p.frames * frameWords > 0) {
      const last = p.maskOffset + (p.proposals - 1) * p.proposalStride + p.frames * frameWords;
      if (last > bits.size) {
        throw new ShapeError(
          `pointCostMatrices: problem ${b}'s masks end at word ${last}, past ${bits.describe()}`,
        );
      }
    }
    const lastScore = p.scoreOffset + (p.proposals - 1) * p.scoreStride;
    if (lastScore >= scores.size) {
      throw new ShapeError(
        `pointCostMatrices: problem ${b} reads score ${lastScore} of ${scores.describe()}`,
      );
    }
  });
}

/**
 * Cost matrices of a batch of matching problems. `bits` u32 holds the packed proposal masks the
 * problems address (any shape, read as flat words); `scores` f32 the per-proposal maskness or
 * confidence. Two dispatches: frame coverage, then per-object reduction.
 */
export function pointCostMatrices(
  bits: Tensor,
  scores: Tensor,
  problems: readonly PointCostProblem[],
  options: PointCostOptions = {},
): PointCostMatrices {
  if (bits.dtype !== 'u32') throw new ShapeError(`pointCostMatrices: bits ${bits.describe()} must be u32`);
  if (scores.dtype !== 'f32')
    throw new ShapeError(`pointCostMatrices: scores ${scores.describe()} must be f32`);
  checkBounds(bits, scores, problems);
  const weights = resolveCostWeights(options.weights);
  const pad = options.pad ?? 0;
  const tables = buildPointCostTables(problems, {
    presence: options.presence ?? 'any-point',
    normalize: options.normalize ?? 'none',
  });
  const { maxObjects, maxProposals } = tables;
  const shape = [problems.length, maxObjects, maxProposals];
  const out: PointCostMatrices = {
    cost: Tensor.empty(shape, 'f32'),
    ann: Tensor.empty(shape, 'f32'),
    cineg: Tensor.empty(shape, 'f32'),
  };
  const cells = problems.length * maxObjects * maxProposals;
  if (cells === 0) return out;
  const bitsDense = contiguous(bits);
  const scoresDense = contiguous(scores);
  const tableTensor = tensor(tables.words, [tables.words.length], 'u32');
  const coverage = Tensor.empty([Math.max(tables.segmentCount * maxProposals, 1)], 'u32');
  const stream = engine().stream;
  const describe = () =>
    `${problems.length} problems, maxJ ${maxObjects}, maxR ${maxProposals}, ${tables.pointCount} points, bits ${bits.describe()}`;
  const sections = {
    problems_at: tables.problemsAt,
    segments_at: tables.segmentsAt,
    points_at: tables.pointsAt,
  };
  if (tables.segmentCount > 0) {
    const rChunks = Math.ceil(maxProposals / COVERAGE_WG);
    stream.dispatch1D(
      coverageKernel,
      [{ buffer: bitsDense.buffer }, { buffer: tableTensor.buffer }, { buffer: coverage.buffer }],
      { ...sections, segments: tables.segmentCount, max_r: maxProposals, r_chunks: rChunks },
      tables.segmentCount * rChunks * COVERAGE_WG,
      describe,
    );
  }
  const rChunks = Math.ceil(maxProposals / OBJECT_COSTS_WG);
  const slots = problems.length * maxObjects;
  stream.dispatch1D(
    objectCostsKernel,
    [
      { buffer: bitsDense.buffer },
      { buffer: tableTensor.buffer },
      { buffer: coverage.buffer },
      { buffer: scoresDense.buffer },
      { buffer: out.cost.buffer },
      { buffer: out.ann.buffer },
      { buffer: out.cineg.buffer },
    ],
    {
      ...sections,
      objects_at: tables.objectsAt,
      object_frames_at: tables.objectFramesAt,
      slots,
      max_j: maxObjects,
      max_r: maxProposals,
      r_chunks: rChunks,
      w_ann: weights.ann,
      w_cineg: weights.cineg,
      w_mask: weights.maskness,
      pad,
    },
    slots * rChunks * OBJECT_COSTS_WG,
    describe,
  );
  tableTensor.dispose();
  coverage.dispose();
  if (bitsDense !== bits) bitsDense.dispose();
  if (scoresDense !== scores) scoresDense.dispose();
  return out;
}
