/**
 * From the matcher's assignment to what the losses index: the matched (query, target) pairs in
 * target order, each query's target class, and the targets at the pairs' points — all on the GPU
 * with host-known sizes (no readback).
 */
import {
  type Tensor,
  add,
  cast,
  clamp,
  concat,
  cumsum,
  expand,
  full,
  gather,
  ge,
  gt,
  indexSelect,
  lt,
  permute,
  pointSample,
  reshape,
  scatterAdd,
  select,
  sub,
  sum,
  where,
  zeros,
} from '../../../engine/index.js';
import { type TargetLayout, indexTensor } from './targets.js';

/** The matched pairs of every prediction, in target order. */
export interface PairIndex {
  /** i32 [O, N]: flat query b·Q + q of each pair. */
  src: Tensor;
  /** i32 [O, N]: stacked target of each pair, or null when it is 0 … N−1 for every prediction. */
  target: Tensor | null;
  /** f32 [O]: NaN where fewer targets were matched than there should be, else 0. */
  guard: Tensor;
}

export function pairIndex(matches: Tensor, layout: TargetLayout, q: number, matched: number): PairIndex {
  const [o, b] = matches.shape as [number, number];
  const maxT = layout.maxTargets;
  const total = layout.total;
  const expectedUnmatched = total - matched;
  if (total === 0) {
    return { src: zeros([o, 0], 'i32'), target: null, guard: zeros([o]) };
  }
  // inverse[o, b, t] = query matched to target t, −1 if none (q + 1 scattered into zeros).
  const queryPlusOne = expand(reshape(indexTensor(Array.from({ length: q }, (_, i) => i + 1)), [1, 1, q]), [
    o,
    b,
    q,
  ]);
  const inverse = sub(scatterAdd(zeros([o, b, maxT], 'i32'), 2, matches, queryPlusOne), 1);
  const byTarget = indexSelect(reshape(inverse, [o, b * maxT]), 1, indexTensor(layout.slotOfTarget)); // [O, ΣT]
  const imageBase = indexTensor(Array.from(layout.imageOfTarget, (img) => img * q));
  const flatQuery = add(byTarget, imageBase);
  const isMatched = ge(byTarget, 0);
  const unmatched = sum(lt(byTarget, 0), 1);
  const guard = where(gt(unmatched, expectedUnmatched), NaN, 0);
  if (expectedUnmatched === 0) return { src: flatQuery, target: null, guard };
  // Some image has more targets than queries: compact the matched targets of each prediction.
  const destination = where(isMatched, sub(cast(cumsum(isMatched, 1), 'i32'), 1), -1);
  const targetIds = expand(reshape(indexTensor(Array.from({ length: total }, (_, i) => i)), [1, total]), [
    o,
    total,
  ]);
  return {
    src: scatterAdd(zeros([o, matched], 'i32'), 1, destination, flatQuery),
    target: scatterAdd(zeros([o, matched], 'i32'), 1, destination, targetIds),
    guard,
  };
}

/** i32 [O, B, Q]: each query's target class, numClasses (no-object) when unmatched. */
export function targetClasses(matches: Tensor, layout: TargetLayout, numClasses: number): Tensor {
  const [o, b, q] = matches.shape as [number, number, number];
  const maxT = layout.maxTargets;
  if (maxT === 0) return full([o, b, q], numClasses, 'i32');
  const labels = expand(reshape(indexTensor(layout.labelsPadded, [b, maxT]), [1, b, maxT]), [o, b, maxT]);
  const picked = gather(labels, 2, clamp(matches, 0));
  return where(ge(matches, 0), picked, numClasses);
}

/** f32 [O, N, P]: the targets at each pair's points (pairs in target order). */
export function pointLabels(masks: Tensor, pairs: PairIndex, coords: Tensor): Tensor {
  const [o, n, p] = coords.shape as [number, number, number];
  const [total, h, w] = masks.shape as [number, number, number];
  if (!pairs.target) {
    // Pair r is target r for every prediction: one point_sample at all predictions' points.
    const perTarget = reshape(permute(coords, [1, 0, 2, 3]), [n, o * p, 2]);
    const sampled = pointSample(reshape(masks, [total, 1, h, w]), perTarget);
    return permute(reshape(sampled, [n, o, p]), [1, 0, 2]);
  }
  const perPrediction = Array.from({ length: o }, (_, k) => {
    const chosen = indexSelect(masks, 0, select(pairs.target!, 0, k));
    return reshape(pointSample(reshape(chosen, [n, 1, h, w]), select(coords, 0, k)), [1, n, p]);
  });
  return concat(perPrediction, 0);
}
