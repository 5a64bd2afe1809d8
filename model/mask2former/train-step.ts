/**
 * One training iteration of Mask2Former: forward, SetCriterion, backward, AdamW (with the
 * optimiser's full-model gradient clipping fused into the update), all inside one scope and with
 * no readback — except, when the caller asks (every logPeriod, and at the end of a run), one
 * combined readback of every loss term, checked for NaN/Inf.
 */
import {
  EngineError,
  type Tensor,
  Tensor as TensorClass,
  backward,
  engine,
  mul,
  tidyAsync,
} from '../../engine/index.js';
import type { Optimizer } from '../../engine/index.js';
import type { HostBatch } from '../../pointvis/data/assemble-batch.js';
import {
  type CriterionResult,
  type SetCriterion,
  type SetTargets,
  nonFiniteTerms,
  readLossTerms,
} from './criterion/index.js';
import type { Mask2Former } from './model.js';

/** What one iteration trains on. */
export interface TrainBatch {
  /** f32 [B, 3, Hp, Wp]: normalised, zero-padded (Hp, Wp multiples of the model's sizeDivisibility). */
  images: Tensor;
  /** Class ids per image (host) and every image's masks stacked, f32 [ΣT, Hp, Wp]. */
  targets: SetTargets;
}

export interface TrainStepOptions {
  /** The iteration number, for error messages. */
  step: number;
  /** Read every loss term back (one transfer) and check it is finite. */
  read?: boolean;
}

export interface TrainStepResult {
  step: number;
  /**
   * GPU scalars by name: the criterion's terms times their weights, as detectron2 logs them
   * (loss_ce, loss_mask, loss_dice, loss_ce_0, …), `loss` (their sum, what was minimised) and
   * `grad_norm` (the global gradient norm before clipping; only when clipping is on). They belong
   * to the caller's scope.
   */
  terms: Map<string, Tensor>;
  /** The terms' values when `read` was asked. */
  values: Map<string, number> | null;
}

/** A loss term that is NaN or ±Inf: names the iteration and every bad term. */
export class NonFiniteLossError extends EngineError {
  constructor(
    readonly step: number,
    readonly terms: readonly string[],
    readonly values: ReadonlyMap<string, number>,
  ) {
    super(
      `training step ${step}: non-finite loss ${terms.map((t) => `${t} = ${values.get(t)}`).join(', ')}` +
        ' (lower the learning rate, enable gradient clipping, or check the batch for empty/invalid targets)',
    );
    this.name = 'NonFiniteLossError';
  }
}

/** Throws NonFiniteLossError when any value is NaN or ±Inf. */
export function checkLossValues(values: ReadonlyMap<string, number>, step: number): void {
  const bad = nonFiniteTerms(values);
  if (bad.length > 0) throw new NonFiniteLossError(step, bad, values);
}

/** One readback of every term of a step, checked (for the end of a run, or a later look). */
export async function readTrainStepValues(result: TrainStepResult): Promise<Map<string, number>> {
  if (result.values) return result.values;
  const values = await readLossTerms(result.terms);
  checkLossValues(values, result.step);
  return values;
}

/** Frees the GPU scalars of a step result. */
export function disposeTrainStepResult(result: TrainStepResult): void {
  for (const t of result.terms.values()) t.dispose();
}

/** The criterion's terms times their weights (what MaskFormer.forward returns), by name. */
export function weightedTerms(result: CriterionResult): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of result.terms) out[name] = mul(t, result.weights.get(name)!);
  return out;
}

/**
 * Mask2Former as a task of the generic trainer (pointvis/train `TrainTask`): weighted loss terms of
 * a batch (the trainer sums them), and the criterion's point-draw counter as random state.
 */
export function mask2formerTask(
  model: Mask2Former,
  criterion: SetCriterion,
): {
  model: Mask2Former;
  lossTerms(batch: TrainBatch): Record<string, Tensor>;
  randomState(): unknown;
  setRandomState(state: unknown): void;
} {
  return {
    model,
    lossTerms(batch) {
      checkBatch(model, batch);
      return weightedTerms(criterion.forward(model.forward(batch.images), batch.targets));
    },
    randomState: () => ({ criterionDraws: criterion.draws }),
    setRandomState(state) {
      const draws = (state as { criterionDraws?: unknown } | null)?.criterionDraws;
      criterion.draws = typeof draws === 'number' && Number.isInteger(draws) && draws >= 0 ? draws : 0;
    },
  };
}

function checkBatch(model: Mask2Former, batch: TrainBatch): void {
  model.checkImages(batch.images);
  const [b, , h, w] = batch.images.shape as [number, number, number, number];
  const m = batch.targets.masks;
  if (batch.targets.labels.length !== b) {
    throw new EngineError(`train step: ${batch.targets.labels.length} target lists for ${b} images`);
  }
  if (m.ndim !== 3 || m.shape[1] !== h || m.shape[2] !== w) {
    throw new EngineError(
      `train step: target masks ${m.describe()} must be [ΣT, ${h}, ${w}], the padded image size of ${batch.images.describe()}`,
    );
  }
}

/**
 * One iteration: forward, criterion, backward, optimizer step (with the optimizer's full-model
 * clipping, e.g. from pointvis/train `buildOptimizer(model, cfg.solver)`), then the gradients are
 * dropped. Set `optimizer.lr` from the schedule before calling. With `read`, a non-finite term
 * throws NonFiniteLossError (after the update was applied: stop the run there).
 */
export async function trainStep(
  model: Mask2Former,
  criterion: SetCriterion,
  optimizer: Optimizer,
  batch: TrainBatch,
  options: TrainStepOptions,
): Promise<TrainStepResult> {
  checkBatch(model, batch);
  const { step } = options;
  const out = await tidyAsync(async () => {
    const output = model.forward(batch.images);
    const result = criterion.forward(output, batch.targets);
    backward(result.total);
    const gradNorm = optimizer.step();
    optimizer.zeroGrad();
    const terms = weightedTerms(result);
    terms.loss = result.total;
    if (gradNorm) terms.grad_norm = gradNorm;
    const names = Object.keys(terms);
    const values = options.read ? await readLossTerms(new Map(names.map((n) => [n, terms[n]!]))) : null;
    return { terms, names, values };
  });
  const terms = new Map(out.names.map((n) => [n, out.terms[n]!]));
  if (out.values) checkLossValues(out.values, step);
  return { step, terms, values: out.values };
}

/**
 * A TrainBatch from a batch assembled on the CPU (pointvis/data `assembleBatch`): one upload for
 * the images, one for every mask of the batch. Point targets (masks null) are refused.
 */
export function uploadTrainBatch(host: HostBatch): TrainBatch {
  const { size, height, width } = host;
  const plane = height * width;
  const total = host.targets.reduce((n, t) => n + t.labels.length, 0);
  const masks = new Float32Array(total * plane);
  let offset = 0;
  host.targets.forEach((t, b) => {
    if (t.masks === null) {
      throw new EngineError(`train batch: image ${b} has point targets; Mask2Former training needs masks`);
    }
    masks.set(t.masks, offset);
    offset += t.masks.length;
  });
  const upload = (data: Float32Array, shape: number[]) => {
    const t = TensorClass.empty(shape, 'f32');
    if (data.length > 0) engine().stream.upload(t.buffer, 0, data);
    return t;
  };
  return {
    images: upload(host.images, [size, 3, height, width]),
    targets: {
      labels: host.targets.map((t) => Array.from(t.labels)),
      masks: upload(masks, [total, height, width]),
    },
  };
}

export function disposeTrainBatch(batch: TrainBatch): void {
  batch.images.dispose();
  batch.targets.masks.dispose();
}
