/**
 * The unit both official evaluators work on: one category's ground truths and detections in one
 * video (YouTube-VIS) or one image (COCO), with their IoU matrix already computed.
 */
export interface EvalCell {
  /** 1 where the ground truth is a crowd region; the official code always ignores those. In file order. */
  gtCrowd: Uint8Array;
  /** Ground-truth sizes used for the area ranges, in file order. */
  gtArea: Float64Array;
  /** Detection scores, highest first (stable sort: file order among ties), at most maxDets[-1] of them. */
  dtScore: Float64Array;
  /** Detection sizes used for the area ranges, same order as dtScore. */
  dtArea: Float64Array;
  /** IoU of detection d with ground truth g at d * gtCount + g. */
  ious: Float64Array;
}

/** Area ranges and detection limits of one evaluation protocol. */
export interface EvalProtocol {
  /** Inclusive [low, high] per range; the first one must be "all". */
  areaRanges: readonly (readonly [number, number])[];
  /** Labels of the area ranges: 'all', 'small', 'medium', 'large'. */
  areaLabels: readonly string[];
  /** Ascending, e.g. [1, 10, 100]; the last one also caps detections per cell. */
  maxDets: readonly number[];
}

/** Indices 0..n-1 ordered by descending score; ties keep their order (numpy mergesort on -score). */
export function orderByScoreDescending(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a]);
}
