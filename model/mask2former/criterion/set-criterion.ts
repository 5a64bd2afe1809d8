/**
 * Mask2Former's SetCriterion (modeling/criterion.py) with the Hungarian matcher:
 *  - loss_ce: cross-entropy over all queries, matched ones against their target's class, the rest
 *    against no-object; class weights 1, no-object `noObjectWeight` (weighted mean);
 *  - loss_mask / loss_dice: sigmoid BCE (mean over points) and dice of each matched mask on
 *    `numPoints` points — importanceSampleRatio of them the most uncertain (smallest |logit|) of
 *    numPoints·oversampleRatio uniform points of that mask, the rest uniform — summed over
 *    masks and divided by num_masks = max(ΣT, 1);
 *  - with deep supervision every prediction gets its own matching and terms (`loss_ce_0` …
 *    for the auxiliary predictions, `loss_ce` … for the last).
 * Everything stays on the GPU: the matcher, the uncertain-point selection and the losses, batched
 * over predictions where it is natural. Random points come from the engine's seeded generator
 * (a pure function of seed, call count and element), or are passed in explicitly (tests).
 *
 * Pairs (matched target ↔ query) are ordered by target: image-major, then the target's index in
 * its image (only matched targets when an image has more targets than queries). Explicit points
 * follow this order.
 */
import {
  ShapeError,
  type Tensor,
  add,
  cast,
  concat,
  crossEntropy,
  cumsum,
  expand,
  full,
  gather,
  ge,
  gt,
  indexSelect,
  lt,
  maskLosses,
  mul,
  noGrad,
  permute,
  pointSample,
  rand,
  reshape,
  scatterAdd,
  select,
  slice,
  sub,
  sum,
  tensor,
  where,
  zeros,
  abs,
  clamp,
  detach,
  keep,
} from '../../../engine/index.js';
import type { DecoderPrediction, MaskedDecoderOutput } from '../decoder/index.js';
import { allPredictions } from '../decoder/index.js';
import { HungarianMatcher, type MatcherOptions } from './matcher.js';
import { compactSelected, smallestMagnitudeMask } from './point-selection.js';
import { type SetTargets, type TargetLayout, indexTensor, targetLayout } from './targets.js';

export interface SetCriterionOptions {
  /** Classes without no-object (`NUM_CLASSES`). */
  numClasses: number;
  /** `CLASS_WEIGHT` (2), `MASK_WEIGHT` (5), `DICE_WEIGHT` (5). */
  classWeight: number;
  maskWeight: number;
  diceWeight: number;
  /** CE weight of the no-object class (`NO_OBJECT_WEIGHT`, 0.1). */
  noObjectWeight: number;
  /** Supervise every prediction (`DEEP_SUPERVISION`). */
  deepSupervision: boolean;
  /** Points per mask (`TRAIN_NUM_POINTS`, 12544). */
  numPoints: number;
  /** `OVERSAMPLE_RATIO` (3). */
  oversampleRatio: number;
  /** `IMPORTANCE_SAMPLE_RATIO` (0.75). */
  importanceSampleRatio: number;
  matcher: MatcherOptions;
  /** Seeds every random point draw. */
  seed: number;
}

/** Points to use instead of random draws (tests): O = supervised predictions, N = pairs. */
export interface ExplicitPoints {
  /** [O, B, matcher.numPoints, 2]: the matcher's per-image points. */
  matcher: Tensor;
  /** [O, N, ⌊numPoints·oversampleRatio⌋, 2]: the candidates of the uncertainty sampling. */
  oversampled: Tensor;
  /** [O, N, numPoints − ⌊importanceSampleRatio·numPoints⌋, 2]: the uniform points. */
  random: Tensor;
}

export interface CriterionResult {
  /** Scalar loss terms by official name (loss_ce, loss_mask, loss_dice, loss_ce_0, …). */
  terms: Map<string, Tensor>;
  /** The weight of each term. */
  weights: Map<string, number>;
  /** Σ weight·term (differentiable). */
  total: Tensor;
  /** i32 [O, B, Q]: the target each query was matched to (index within its image), −1 if none. */
  matches: Tensor;
  /** max(ΣT, 1). */
  numMasks: number;
}

/** The sizes of the point draws of one call. */
export interface PointCounts {
  matcher: number;
  oversampled: number;
  important: number;
  random: number;
}

const STREAMS_PER_CALL = 3;

export class SetCriterion {
  readonly matcher: HungarianMatcher;
  /** Calls so far: the next call draws from streams draws·3 … (checkpoint it to resume exactly). */
  draws = 0;
  private readonly emptyWeight: Tensor;

  constructor(readonly options: SetCriterionOptions) {
    const { numPoints, oversampleRatio, importanceSampleRatio } = options;
    if (!(Number.isInteger(numPoints) && numPoints > 0))
      throw new ShapeError(`criterion: numPoints ${numPoints}`);
    if (!(oversampleRatio >= 1))
      throw new ShapeError(`criterion: oversampleRatio ${oversampleRatio} must be ≥ 1`);
    if (!(importanceSampleRatio >= 0 && importanceSampleRatio <= 1)) {
      throw new ShapeError(`criterion: importanceSampleRatio ${importanceSampleRatio} must be in [0, 1]`);
    }
    this.matcher = new HungarianMatcher(options.matcher);
    const w = new Float32Array(options.numClasses + 1).fill(1);
    w[options.numClasses] = options.noObjectWeight;
    this.emptyWeight = tensor(w, [options.numClasses + 1]);
    this.emptyWeight.name = 'criterion.empty_weight';
    keep(this.emptyWeight);
  }

  /** Point counts as the official code computes them (Python int() of the products). */
  pointCounts(): PointCounts {
    const { numPoints, oversampleRatio, importanceSampleRatio } = this.options;
    const important = Math.floor(importanceSampleRatio * numPoints);
    return {
      matcher: this.options.matcher.numPoints,
      oversampled: Math.floor(numPoints * oversampleRatio),
      important,
      random: numPoints - important,
    };
  }

  /** The supervised predictions in order: aux 0 … L−1 then the last (only the last without deep supervision). */
  supervised(output: MaskedDecoderOutput): DecoderPrediction[] {
    return this.options.deepSupervision
      ? allPredictions(output)
      : [{ predLogits: output.predLogits, predMasks: output.predMasks }];
  }

  /** The name suffix of prediction k of O: '' for the last, `_${k}` for auxiliary ones. */
  private suffix(k: number, o: number): string {
    return k === o - 1 ? '' : `_${k}`;
  }

  forward(
    output: MaskedDecoderOutput,
    targets: SetTargets,
    call: { points?: ExplicitPoints } = {},
  ): CriterionResult {
    const predictions = this.supervised(output);
    const o = predictions.length;
    const [b, q, c1] = predictions[0]!.predLogits.shape as [number, number, number];
    const { numClasses } = this.options;
    if (c1 !== numClasses + 1) {
      throw new ShapeError(
        `criterion: logits ${predictions[0]!.predLogits.describe()} need ${numClasses + 1} classes`,
      );
    }
    const layout = targetLayout(targets, b, numClasses);
    const numMasks = Math.max(layout.total, 1);
    const matched = layout.counts.reduce((s, t) => s + Math.min(t, q), 0);
    const points = call.points ?? this.drawPoints(o, b, matched);
    if (call.points) this.checkPoints(call.points, o, b, matched);
    else this.draws++;

    const matches = this.matcher.match(predictions, targets, layout, points.matcher);
    const pairs = noGrad(() => pairIndex(matches, layout, q, matched));
    const classes = noGrad(() => targetClasses(matches, layout, numClasses));

    const terms = new Map<string, Tensor>();
    const weights = new Map<string, number>();
    const put = (name: string, value: Tensor, weight: number) => {
      terms.set(name, value);
      weights.set(name, weight);
    };
    const maskTerms = matched > 0 ? this.maskTerms(predictions, targets, pairs, points, numMasks) : null;
    predictions.forEach((p, k) => {
      const s = this.suffix(k, o);
      // A failed assignment (non-finite costs) makes every term of that prediction NaN.
      const guard = select(pairs.guard, 0, k);
      const ce = crossEntropy(reshape(p.predLogits, [b * q, c1]), reshape(select(classes, 0, k), [b * q]), {
        weight: this.emptyWeight,
      });
      put(`loss_ce${s}`, add(ce, guard), this.options.classWeight);
      // Without matched masks the terms are 0, still connected to the masks (zero gradients, as
      // the official empty indexing gives) but blind to their values.
      const m = maskTerms?.[k] ?? { ce: zeroOf(p.predMasks), dice: zeroOf(p.predMasks) };
      put(`loss_mask${s}`, add(m.ce, guard), this.options.maskWeight);
      put(`loss_dice${s}`, add(m.dice, guard), this.options.diceWeight);
    });
    let total: Tensor | null = null;
    for (const [name, t] of terms) {
      const weighted = mul(t, weights.get(name)!);
      total = total ? add(total, weighted) : weighted;
    }
    return { terms, weights, total: total!, matches, numMasks };
  }

  private drawPoints(o: number, b: number, n: number): ExplicitPoints {
    const counts = this.pointCounts();
    const seed = this.options.seed;
    const stream = (i: number) => (this.draws * STREAMS_PER_CALL + i) % 0x100000000;
    return {
      matcher: rand([o, b, counts.matcher, 2], { seed, stream: stream(0) }),
      oversampled: rand([o, n, counts.oversampled, 2], { seed, stream: stream(1) }),
      random: rand([o, n, counts.random, 2], { seed, stream: stream(2) }),
    };
  }

  private checkPoints(p: ExplicitPoints, o: number, b: number, n: number): void {
    const counts = this.pointCounts();
    const want: [keyof ExplicitPoints, number[]][] = [
      ['matcher', [o, b, counts.matcher, 2]],
      ['oversampled', [o, n, counts.oversampled, 2]],
      ['random', [o, n, counts.random, 2]],
    ];
    for (const [name, shape] of want) {
      const t = p[name];
      if (t.dtype !== 'f32' || t.shape.join() !== shape.join()) {
        throw new ShapeError(
          `criterion: explicit ${name} points ${t.describe()} must be f32 [${shape.join(', ')}]`,
        );
      }
    }
  }

  /** loss_mask and loss_dice of every prediction. */
  private maskTerms(
    predictions: readonly DecoderPrediction[],
    targets: SetTargets,
    pairs: PairIndex,
    points: ExplicitPoints,
    numMasks: number,
  ): { ce: Tensor; dice: Tensor }[] {
    const o = predictions.length;
    const n = pairs.src.shape[1]!;
    const counts = this.pointCounts();
    const p = counts.important + counts.random;
    // The matched masks of every prediction [N, 1, Hm, Wm] (differentiable gathers).
    const srcMasks = predictions.map((pred, k) => {
      const [b, q, hm, wm] = pred.predMasks.shape as [number, number, number, number];
      return reshape(indexSelect(reshape(pred.predMasks, [b * q, hm, wm]), 0, select(pairs.src, 0, k)), [
        n,
        1,
        hm,
        wm,
      ]);
    });
    // get_uncertain_point_coords_with_randomness, all predictions at once: uncertainty −|logit|
    // at the oversampled points, the most uncertain kept (no gradient).
    const coords = noGrad(() => {
      const over = points.oversampled;
      const logits = concat(
        srcMasks.map((m, k) => reshape(pointSample(detach(m), select(over, 0, k)), [n, counts.oversampled])),
        0,
      );
      const chosen = smallestMagnitudeMask(abs(logits), counts.important);
      const important = compactSelected(
        reshape(over, [o * n, counts.oversampled, 2]),
        chosen,
        counts.important,
      );
      return concat([reshape(important, [o, n, counts.important, 2]), points.random], 2); // [O, N, P, 2]
    });
    const labels = noGrad(() => pointLabels(targets.masks, pairs, coords));
    return srcMasks.map((m, k) => {
      const logits = reshape(pointSample(m, select(coords, 0, k)), [n, p]);
      const { ce, dice } = maskLosses(logits, select(labels, 0, k), numMasks);
      return { ce, dice };
    });
  }

  dispose(): void {
    this.emptyWeight.dispose();
  }
}

/** The matched pairs of every prediction, in target order. */
interface PairIndex {
  /** i32 [O, N]: flat query b·Q + q of each pair. */
  src: Tensor;
  /** i32 [O, N]: stacked target of each pair, or null when it is 0 … N−1 for every prediction. */
  target: Tensor | null;
  /** f32 [O]: NaN where fewer targets were matched than there should be, else 0. */
  guard: Tensor;
}

function pairIndex(matches: Tensor, layout: TargetLayout, q: number, matched: number): PairIndex {
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

/** A scalar 0 whose gradient is zeros of x's shape: the sum of an empty slice of x. */
function zeroOf(x: Tensor): Tensor {
  return sum(slice(x, 0, 0, 0));
}

/** i32 [O, B, Q]: each query's target class, numClasses (no-object) when unmatched. */
function targetClasses(matches: Tensor, layout: TargetLayout, numClasses: number): Tensor {
  const [o, b, q] = matches.shape as [number, number, number];
  const maxT = layout.maxTargets;
  if (maxT === 0) return full([o, b, q], numClasses, 'i32');
  const labels = expand(reshape(indexTensor(layout.labelsPadded, [b, maxT]), [1, b, maxT]), [o, b, maxT]);
  const picked = gather(labels, 2, clamp(matches, 0));
  return where(ge(matches, 0), picked, numClasses);
}

/** f32 [O, N, P]: the targets at each pair's points (pairs in target order). */
function pointLabels(masks: Tensor, pairs: PairIndex, coords: Tensor): Tensor {
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
