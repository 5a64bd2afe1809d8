import type { Tensor } from '../../engine/index.js';
import type { CostNormalization, CostWeights, PresenceRule } from '../../engine/index.js';
import type { LabeledPoint } from '../formats/types';

/** [R, T, H, W]: proposals, frames, mask height, mask width. */
export type MaskShape = readonly [number, number, number, number];

/**
 * A video's R spatio-temporal proposals, in one of four forms:
 * - soft masks M̂ in [0, 1], f32 [R, T, H, W], on the GPU (model output) or on the CPU;
 * - binary masks already packed (u32 [R, T, H, ceil(W/32)], bit x & 31 of word x >> 5 of a
 *   row), on the GPU or on the CPU (see `packMaskBits`).
 * Soft masks give the maskness score; packed masks need `scores`.
 */
export type ProposalMasks =
  | { readonly soft: Tensor | Float32Array; readonly shape?: MaskShape }
  | { readonly bits: Tensor | Uint32Array; readonly shape: MaskShape };

/** One annotated object: per frame its labelled points (null or missing = not annotated). */
export interface MatcherObject {
  readonly points: readonly (readonly LabeledPoint[] | null)[];
}

export interface MatcherVideo {
  readonly proposals: ProposalMasks;
  /**
   * Per-proposal confidence used instead of maskness (self-training). Required for packed masks.
   */
  readonly scores?: ArrayLike<number>;
  readonly objects: readonly MatcherObject[];
  /**
   * Size of the frame the points' coordinates refer to (the video's width and height), when the
   * masks have another resolution; points are scaled by W / width, H / height. Default: W×H.
   */
  readonly pointFrame?: { readonly width: number; readonly height: number };
}

export interface MatcherOptions {
  /** λ1, λ2, λ3 (default the paper's 5, 5, 2). */
  weights?: Partial<CostWeights>;
  /** 'none' (default): raw point counts as in the paper's eq. 3; 'points': per-point averages. */
  normalize?: CostNormalization;
  /** When an object is present in a frame (default 'any-point'; 'positive-point' for P-only schemes). */
  presence?: PresenceRule;
  /** Soft mask threshold for binarisation (default 0.5: M = M̂ > 0.5). */
  threshold?: number;
  /**
   * Leave objects that are present in no frame out of the matching (default true): their cost
   * row would be the maskness alone, and they keep no pseudo-label frames anyway.
   */
  skipUnannotated?: boolean;
  /** Per-frame matching: score each proposal by its maskness in that frame (default) or over the video. */
  perFrameScore?: 'frame' | 'video';
  /** Names the input in errors (a file name). */
  source?: string;
}

/** One matching problem in a cost batch: which video (and frame, for per-frame matching) and objects. */
export interface CostProblemInfo {
  readonly video: number;
  /** null for spatio-temporal matching over the whole video; the frame for per-frame matching. */
  readonly frame: number | null;
  /** Row j of the cost matrix is the video's object `objects[j]`. */
  readonly objects: readonly number[];
  readonly proposals: number;
}

export interface PointCosts {
  /** f32 [B, maxJ, maxR]: λ1 L_ann + λ2 L_cineg + λ3 L_maskness; cells outside J×R are 0. */
  readonly cost: Tensor;
  /** f32 [B, maxJ, maxR]: L_ann. */
  readonly ann: Tensor;
  /** f32 [B, maxJ, maxR]: L_cineg. */
  readonly cineg: Tensor;
  /** i32 [B, 2]: (J, R) of each problem, for batched solvers. */
  readonly sizes: Tensor;
  readonly problems: readonly CostProblemInfo[];
  readonly maxObjects: number;
  readonly maxProposals: number;
}
