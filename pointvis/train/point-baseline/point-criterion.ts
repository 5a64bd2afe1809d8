/**
 * The loss of the paper's point-supervised baselines (PointVIS §4.1 "Baselines"):
 *  1) VISP — MinVIS trained with points, "where only locations with annotated points are
 *     supervised": every supervised prediction is matched to the objects by a Hungarian
 *     matcher whose mask cost is computed at the annotated points only, and the matched query's
 *     mask is supervised only there;
 *  2) VISP+CINeg — the same, with "annotation-free negative point loss ... enforcing
 *     cross-instance negative cues" (§3.2): the positive clicks of the other objects of the same
 *     frame are negatives for an object, in its cost and in its loss.
 * Design (the paper gives no formula for these baselines):
 *  - point BCE of query q for object j: the mean, over the points supervising j, of
 *    BCE(mask logit of q at the point, the point's label for j) — point_sample of the mask
 *    logits, as Mask2Former samples its points;
 *  - matching cost: classCost·(−p_q(class_j)) + maskCost·pointBCE(q, j); no dice term (a dice
 *    over a handful of points says nothing about overlap);
 *  - loss_ce as Mask2Former (matched queries → their class, the others → no-object weighted
 *    noObjectWeight), loss_point = Σ over matched pairs of pointBCE / max(#objects, 1), with the
 *    weights classWeight and maskWeight; every decoder prediction supervised with deep supervision
 *    (`loss_ce_k`, `loss_point_k` for the auxiliary ones).
 * Everything stays on the GPU: one point_sample and two batched matmuls per prediction give
 * every (query, object) cost at once, one Hungarian dispatch matches all predictions.
 */
import {
  type Tensor,
  add,
  binaryCrossEntropyWithLogits,
  clamp,
  concat,
  crossEntropy,
  detach,
  div,
  expand,
  gather,
  ge,
  hungarianBatched,
  keep,
  matmul,
  mul,
  neg,
  noGrad,
  oneHot,
  pointSample,
  reshape,
  slice,
  softmax,
  sub,
  sum,
  tensor,
  transpose,
  where,
  zerosLike,
} from '../../../engine/index.js';
import type { DecoderPrediction, MaskedDecoderOutput } from '../../../model/mask2former/decoder/index.js';
import { allPredictions } from '../../../model/mask2former/decoder/index.js';
import type { PointTargetTables } from './point-targets.js';

export interface PointCriterionOptions {
  numClasses: number;
  classWeight: number;
  /** Weight of loss_point (Mask2Former's mask weight). */
  maskWeight: number;
  noObjectWeight: number;
  deepSupervision: boolean;
  /** Matcher weights of −p(class) and of the point BCE. */
  classCost: number;
  maskCost: number;
}

export interface PointCriterionResult {
  terms: Map<string, Tensor>;
  weights: Map<string, number>;
  /** i32 [O, B, Q]: the object each query was matched to, −1 if none. */
  matches: Tensor;
}

/** The uploaded tables (GPU tensors in the caller's scope). */
interface DeviceTables {
  labels: Tensor;
  coords: Tensor;
  weights: Tensor;
  positives: Tensor;
  inverseCounts: Tensor;
}

export class PointBaselineCriterion {
  private readonly emptyWeight: Tensor;

  constructor(readonly options: PointCriterionOptions) {
    const w = new Float32Array(options.numClasses + 1).fill(1);
    w[options.numClasses] = options.noObjectWeight;
    this.emptyWeight = keep(tensor(w, [options.numClasses + 1]));
  }

  forward(output: MaskedDecoderOutput, tables: PointTargetTables): PointCriterionResult {
    const predictions: DecoderPrediction[] = this.options.deepSupervision
      ? allPredictions(output)
      : [{ predLogits: output.predLogits, predMasks: output.predMasks }];
    const o = predictions.length;
    const [b, q] = predictions[0]!.predLogits.shape as [number, number];
    if (tables.batch !== b)
      throw new RangeError(`point targets for ${tables.batch} images, predictions for ${b}`);
    const t = tables.maxTargets;
    const p = tables.maxPoints;
    const device: DeviceTables = {
      labels: tensor(tables.labels, [b, t], 'i32'),
      coords: tensor(tables.coords, [b, p, 2]),
      weights: tensor(tables.weights, [b, t, p]),
      positives: tensor(tables.positives, [b, t, p]),
      inverseCounts: tensor(tables.inverseCounts, [b, 1, t]),
    };
    const pointCosts = predictions.map((pred) => this.pointBce(pred.predMasks, device)); // [B, Q, T] each
    const matches = this.match(predictions, pointCosts, device, tables); // [O, B, Q]
    const numObjects = Math.max(
      1,
      tables.counts.reduce((s, c) => s + c, 0),
    );
    const terms = new Map<string, Tensor>();
    const weights = new Map<string, number>();
    predictions.forEach((pred, k) => {
      const suffix = k === o - 1 ? '' : `_${k}`;
      const matched = reshape(slice(matches, 0, k, k + 1), [b, q]);
      terms.set(`loss_ce${suffix}`, this.classLoss(pred.predLogits, matched, device.labels, t));
      weights.set(`loss_ce${suffix}`, this.options.classWeight);
      const point =
        t === 0
          ? sum(slice(pointCosts[k]!, 0, 0, 0)) // 0, still connected to the masks
          : div(sum(mul(pointCosts[k]!, oneHot(matched, t))), numObjects);
      terms.set(`loss_point${suffix}`, point);
      weights.set(`loss_point${suffix}`, this.options.maskWeight);
    });
    return { terms, weights, matches };
  }

  /** Mean point BCE of every (query, object) pair: [B, Q, T] (differentiable). */
  private pointBce(masks: Tensor, d: DeviceTables): Tensor {
    const [b, q] = masks.shape as [number, number];
    const t = d.labels.shape[1]!;
    const x = reshape(pointSample(masks, d.coords), [b, q, d.coords.shape[1]!]); // [B, Q, P]
    // BCE(x, y) = softplus(x) − x·y, summed over the supervising points, over their count.
    const softplus = binaryCrossEntropyWithLogits(x, zerosLike(x), { reduction: 'none' });
    if (t === 0) return reshape(sum(softplus, -1, true), [b, q, 1]);
    const summed = sub(matmul(softplus, transpose(d.weights, 1, 2)), matmul(x, transpose(d.positives, 1, 2)));
    return mul(summed, d.inverseCounts);
  }

  private match(
    predictions: readonly DecoderPrediction[],
    pointCosts: readonly Tensor[],
    d: DeviceTables,
    tables: PointTargetTables,
  ): Tensor {
    return noGrad(() => {
      const o = predictions.length;
      const [b, q] = predictions[0]!.predLogits.shape as [number, number];
      const t = tables.maxTargets;
      if (t === 0) return tensor(new Int32Array(o * b * q).fill(-1), [o, b, q], 'i32');
      const labels = expand(reshape(d.labels, [b, 1, t]), [b, q, t]);
      const costs = predictions.map((pred, k) => {
        const classCost = neg(gather(softmax(detach(pred.predLogits), -1), 2, labels));
        return add(
          mul(classCost, this.options.classCost),
          mul(detach(pointCosts[k]!), this.options.maskCost),
        );
      });
      const sizes = new Int32Array(o * b * 2);
      for (let i = 0; i < o * b; i++) {
        sizes[2 * i] = q;
        sizes[2 * i + 1] = tables.counts[i % b]!;
      }
      const assigned = hungarianBatched(concat(costs, 0), tensor(sizes, [o * b, 2], 'i32'));
      return reshape(assigned, [o, b, q]);
    });
  }

  /** Mask2Former's loss_ce: matched queries against their object's class, the rest no-object. */
  private classLoss(logits: Tensor, matched: Tensor, labels: Tensor, t: number): Tensor {
    const [b, q, c1] = logits.shape as [number, number, number];
    const classes = noGrad(() => {
      if (t === 0) return tensor(new Int32Array(b * q).fill(this.options.numClasses), [b, q], 'i32');
      const picked = gather(labels, 1, clamp(matched, 0));
      return where(ge(matched, 0), picked, this.options.numClasses);
    });
    return crossEntropy(reshape(logits, [b * q, c1]), reshape(classes, [b * q]), {
      weight: this.emptyWeight,
    });
  }

  dispose(): void {
    this.emptyWeight.dispose();
  }
}
