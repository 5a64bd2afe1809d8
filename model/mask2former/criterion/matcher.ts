/**
 * Mask2Former's HungarianMatcher (modeling/matcher.py, memory_efficient_forward), batched: the
 * cost matrices of every prediction and image are built together on the GPU as
 * [O·B, Q, maxT] and solved by one `hungarianBatched` dispatch — no per-image host loop, no
 * readback. Per image and prediction:
 *   cost = classCost·(−softmax(logits)[q, label_t]) + maskCost·BCE(q, t) + diceCost·dice(q, t)
 * with BCE and dice on `numPoints` points drawn uniformly in [0, 1)² per image, shared by every
 * mask of the image (pred masks and the full-resolution targets sampled by point_sample).
 */
import {
  ShapeError,
  type Tensor,
  add,
  binaryCrossEntropyWithLogits,
  concat,
  div,
  expand,
  full,
  gather,
  hungarianBatched,
  indexSelect,
  matmul,
  mul,
  neg,
  noGrad,
  permute,
  pointSample,
  reshape,
  select,
  sigmoid,
  slice,
  softmax,
  sub,
  sum,
  tidy,
  transpose,
  zerosLike,
} from '../../../engine/index.js';
import type { DecoderPrediction } from '../decoder/index.js';
import { type SetTargets, type TargetLayout, indexTensor } from './targets.js';

/**
 * Largest [g·B, Q, P] point tensor of one group of predictions (elements): bounds the matcher's
 * temporaries (a few tensors of this size) at ~1 GiB in total for any batch.
 */
const MATCHER_ELEMENT_BUDGET = 1 << 26;

export interface MatcherOptions {
  /** Weight of −p(class) (`CLASS_WEIGHT`, 2). */
  classCost: number;
  /** Weight of the sigmoid BCE (`MASK_WEIGHT`, 5). */
  maskCost: number;
  /** Weight of the dice cost (`DICE_WEIGHT`, 5). */
  diceCost: number;
  /** Points per image (`TRAIN_NUM_POINTS`, 12544). */
  numPoints: number;
  /** Tuning and tests: elements of the largest [g·B, Q, P] group (default 2^26). */
  maxGroupElements?: number;
}

/** batch_sigmoid_ce_loss: [N, P] × [M, P] → [N, M] (batched over a leading dim), mean over points. */
function pairwiseSigmoidCe(x: Tensor, t: Tensor): Tensor {
  // Σ_p [softplus(−x)·t + softplus(x)·(1−t)] = Σ_p softplus(x) − x·t.
  const points = x.shape[x.ndim - 1]!;
  const negative = sum(binaryCrossEntropyWithLogits(x, zerosLike(x), { reduction: 'none' }), -1, true);
  return div(sub(negative, matmul(x, transpose(t, -2, -1))), points);
}

/** batch_dice_loss: 1 − (2·σ(x)·t + 1) / (Σσ(x) + Σt + 1) for every pair. */
function pairwiseDice(x: Tensor, t: Tensor): Tensor {
  const s = sigmoid(x);
  const numerator = mul(matmul(s, transpose(t, -2, -1)), 2);
  const denominator = add(sum(s, -1, true), transpose(sum(t, -1, true), -2, -1));
  return sub(1, div(add(numerator, 1), add(denominator, 1)));
}

export class HungarianMatcher {
  constructor(readonly options: MatcherOptions) {
    for (const k of ['classCost', 'maskCost', 'diceCost'] as const) {
      if (!Number.isFinite(options[k])) throw new ShapeError(`matcher: ${k} ${options[k]} must be finite`);
    }
    if (!(Number.isInteger(options.numPoints) && options.numPoints > 0)) {
      throw new ShapeError(`matcher: numPoints ${options.numPoints} must be a positive integer`);
    }
  }

  /**
   * The cost matrices f32 [O·B, Q, maxT] (entries past an image's count are padding) for
   * predictions [O] and `points` f32 [O, B, numPoints, 2] (x, y in [0, 1]). Not differentiable.
   */
  costMatrices(
    predictions: readonly DecoderPrediction[],
    targets: SetTargets,
    layout: TargetLayout,
    points: Tensor,
  ): Tensor {
    const o = predictions.length;
    const [b, q] = predictions[0]!.predLogits.shape as [number, number];
    const p = this.options.numPoints;
    if (points.dtype !== 'f32' || points.ndim !== 4 || points.shape.join() !== [o, b, p, 2].join()) {
      throw new ShapeError(`matcher: points ${points.describe()} must be f32 [${o}, ${b}, ${p}, 2]`);
    }
    return noGrad(() =>
      tidy(() => {
        const targetPoints = this.targetPoints(targets, layout, points); // [O·B, maxT, P]
        // Predictions in groups, so the [g·B, Q, P] temporaries stay within the budget.
        const budget = this.options.maxGroupElements ?? MATCHER_ELEMENT_BUDGET;
        const group = Math.max(1, Math.floor(budget / Math.max(1, b * q * p)));
        const parts: Tensor[] = [];
        for (let k0 = 0; k0 < o; k0 += group) {
          const k1 = Math.min(o, k0 + group);
          parts.push(
            tidy(() =>
              this.groupCosts(predictions, k0, k1, layout, points, slice(targetPoints, 0, k0 * b, k1 * b)),
            ),
          );
        }
        return parts.length === 1 ? parts[0]! : concat(parts, 0);
      }),
    );
  }

  /** Targets at their image's points: sampled [ΣT, O·P] at once, laid out as [O·B, maxT, P] (pads 0). */
  private targetPoints(targets: SetTargets, layout: TargetLayout, points: Tensor): Tensor {
    const [o, b, p] = points.shape as [number, number, number];
    const perImage = reshape(permute(points, [1, 0, 2, 3]), [b, o * p, 2]);
    const coords = indexSelect(perImage, 0, indexTensor(layout.imageOfTarget));
    const [total, h, w] = targets.masks.shape as [number, number, number];
    const sampled = reshape(pointSample(reshape(targets.masks, [total, 1, h, w]), coords), [total, o, p]);
    const slots = indexSelect(permute(sampled, [1, 0, 2]), 1, indexTensor(layout.targetOfSlot));
    return reshape(slots, [o * b, layout.maxTargets, p]);
  }

  /** Costs [(k1−k0)·B, Q, maxT] of predictions k0 … k1−1. */
  private groupCosts(
    predictions: readonly DecoderPrediction[],
    k0: number,
    k1: number,
    layout: TargetLayout,
    points: Tensor,
    targetPoints: Tensor,
  ): Tensor {
    const group = predictions.slice(k0, k1);
    const g = group.length;
    const [b, q] = group[0]!.predLogits.shape as [number, number];
    const maxT = layout.maxTargets;
    const p = this.options.numPoints;
    // Class cost: −softmax prob of each target's class.
    const probs = softmax(
      concat(
        group.map((x) => x.predLogits),
        0,
      ),
      -1,
    ); // [g·B, Q, K+1]
    const labels = reshape(
      expand(reshape(indexTensor(layout.labelsPadded, [b, maxT]), [1, b, 1, maxT]), [g, b, q, maxT]),
      [g * b, q, maxT],
    );
    const classCost = neg(gather(probs, 2, labels));
    // Predicted masks at each image's points: [g·B, Q, P].
    const predPoints = concat(
      group.map((x, i) => reshape(pointSample(x.predMasks, select(points, 0, k0 + i)), [b, q, p])),
      0,
    );
    const { classCost: wc, maskCost: wm, diceCost: wd } = this.options;
    return add(
      add(mul(pairwiseSigmoidCe(predPoints, targetPoints), wm), mul(classCost, wc)),
      mul(pairwiseDice(predPoints, targetPoints), wd),
    );
  }

  /**
   * The assignment of every prediction: i32 [O, B, Q], the target (index within its image) each
   * query is matched to, −1 for unmatched queries. Every target is matched when T_b ≤ Q; an
   * image whose costs are not finite is left wholly unmatched (the criterion then reports NaN).
   */
  match(
    predictions: readonly DecoderPrediction[],
    targets: SetTargets,
    layout: TargetLayout,
    points: Tensor,
  ): Tensor {
    return noGrad(() => {
      const o = predictions.length;
      const [b, q] = predictions[0]!.predLogits.shape as [number, number];
      if (layout.maxTargets === 0) return full([o, b, q], -1, 'i32');
      const costs = this.costMatrices(predictions, targets, layout, points);
      const sizes = new Int32Array(o * b * 2);
      for (let k = 0; k < o * b; k++) {
        sizes[2 * k] = q;
        sizes[2 * k + 1] = layout.counts[k % b]!;
      }
      return reshape(hungarianBatched(costs, indexTensor(sizes, [o * b, 2])), [o, b, q]);
    });
  }
}
