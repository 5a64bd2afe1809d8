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
  concat,
  crossEntropy,
  detach,
  indexSelect,
  keep,
  maskLosses,
  mul,
  noGrad,
  pointSample,
  rand,
  reshape,
  select,
  slice,
  sum,
  tensor,
} from '../../../engine/index.js';
import type { DecoderPrediction, MaskedDecoderOutput } from '../decoder/index.js';
import { allPredictions } from '../decoder/index.js';
import { HungarianMatcher, type MatcherOptions } from './matcher.js';
import { gatherPoints, smallestMagnitudeIndices } from './point-selection.js';
import { type PairIndex, pairIndex, pointLabels, targetClasses } from './pairs.js';
import { type SetTargets, targetLayout } from './targets.js';

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
      const chosen = smallestMagnitudeIndices(logits, counts.important);
      const important = gatherPoints(reshape(over, [o * n, counts.oversampled, 2]), chosen);
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

/** A scalar 0 whose gradient is zeros of x's shape: the sum of an empty slice of x. */
function zeroOf(x: Tensor): Tensor {
  return sum(slice(x, 0, 0, 0));
}
