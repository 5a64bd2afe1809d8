import type { CostNormalization, CostWeights, PresenceRule } from '../../engine/index.js';
import type { AssignmentSolver } from '../matcher';

/**
 * - 'pointvis': spatio-temporal matching, one proposal per object over the frames where it
 *   shows up (paper §3.2);
 * - 'pf': per-frame matching, PointVIS (PF) (§4.3.2): each annotated frame on its own;
 * - 'visc': the VISC baseline (§4.1): the top-k proposals by confidence are the labels; points
 *   only name their categories (README.md).
 */
export type PseudoVariant = 'pointvis' | 'pf' | 'visc';

/** The proposal score in L_maskness (and VISC's ranking): maskness c_r, confidence ĉ_r, or the mean inside the mask. */
export type PseudoScore = 'maskness' | 'confidence' | 'inside';

export interface PseudoOptions {
  variant?: PseudoVariant;
  /** λ1, λ2, λ3 (paper: 5, 5, 2); λ2 = 0 or λ3 = 0 are Table 2's ablations. */
  weights?: CostWeights;
  /** Default: maskness for 'pointvis' and 'pf', confidence for 'visc' (self-training: confidence). */
  score?: PseudoScore;
  presence?: PresenceRule;
  normalize?: CostNormalization;
  /** VISC: proposals kept per video (default: the number of annotated objects in it). */
  viscK?: number;
  /** Default: the GPU's hungarianBatched. */
  solver?: AssignmentSolver;
  /** Videos per matcher batch at most (default 64) and packed mask words per batch (default 2^26). */
  maxBatchVideos?: number;
  maxBatchWords?: number;
}

/** Counts and quality of one pseudo-labelling run (written next to the output as JSON). */
export interface PseudoSummary {
  variant: PseudoVariant;
  lambda: [number, number, number];
  score: PseudoScore;
  presence: PresenceRule;
  normalize: CostNormalization;
  shard: [number, number];
  videos: number;
  /** Videos whose proposal set is empty: their objects stay unmatched. */
  videos_without_proposals: number;
  /** Non-crowd point annotations. */
  objects: number;
  /** Objects with at least one pseudo mask. */
  objects_labelled: number;
  /** Objects with points but no proposal (an empty proposal set, more objects than proposals). */
  objects_unmatched: number;
  /** Objects present in no frame (no points, or only empty lists): skipped with a warning. */
  objects_without_points: number;
  /** Those objects by video and annotation id (older summaries may lack it). */
  skipped_objects?: { video_id: number; object_id: number }[];
  /** Object-frames with a pseudo mask. */
  labelled_frames: number;
  /** Object-frames where the object is present but its proposal's mask is empty there (no label). */
  empty_masks: number;
  /** Object-frames where the matched proposal has a mask but the object is absent or not annotated: removed. */
  removed_frames: number;
  /** Mean IoU of pseudo vs ground-truth masks over annotated object-frames (null without ground truth). */
  miou: number | null;
  iou_sum: number;
  iou_pairs: number;
  seconds: number;
}
