/**
 * Mask2Former as a TrainTask: the batch is uploaded inside the trainer's step scope (so it is
 * freed with the step), the network runs, and the criterion's terms come back multiplied by
 * their weights (detectron2 logs and sums the weighted terms). The criterion's point-draw
 * counter is random state a resumed run must restore.
 */
import { type Tensor, mul, tensor } from '../../engine/index.js';
import type { SetCriterion } from '../../model/mask2former/criterion/index.js';
import { type Mask2Former, uploadTrainBatch } from '../../model/mask2former/index.js';
import type { LoadedBatch } from '../data/index.js';
import { type PointBaselineCriterion } from './point-baseline/point-criterion.js';
import { pointTargetTables } from './point-baseline/point-targets.js';
import type { TrainTask } from './types.js';

function weighted(
  terms: ReadonlyMap<string, Tensor>,
  weights: ReadonlyMap<string, number>,
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of terms) out[name] = mul(t, weights.get(name) ?? 1);
  return out;
}

function drawCounter(state: unknown, what: string): number {
  const draws = (state as { criterionDraws?: unknown } | null)?.criterionDraws;
  if (typeof draws !== 'number' || !Number.isSafeInteger(draws) || draws < 0) {
    throw new Error(`checkpoint random state: ${what} criterionDraws is ${JSON.stringify(draws)}`);
  }
  return draws;
}

/** Full-mask instance segmentation (images, or MinVIS frames with gt or pseudo masks). */
export class Mask2FormerMaskTask implements TrainTask<LoadedBatch> {
  constructor(
    readonly model: Mask2Former,
    readonly criterion: SetCriterion,
  ) {}

  lossTerms(loaded: LoadedBatch): Record<string, Tensor> {
    const batch = uploadTrainBatch(loaded.host);
    const result = this.criterion.forward(this.model.forward(batch.images), batch.targets);
    return weighted(result.terms, result.weights);
  }

  randomState(): unknown {
    return { criterionDraws: this.criterion.draws };
  }

  setRandomState(state: unknown): void {
    this.criterion.draws = drawCounter(state, 'the set criterion');
  }
}

/** The VISP / VISP+CINeg baselines: losses only at annotated points. */
export class Mask2FormerPointTask implements TrainTask<LoadedBatch> {
  constructor(
    readonly model: Mask2Former,
    readonly criterion: PointBaselineCriterion,
    readonly crossInstanceNegatives: boolean,
  ) {}

  lossTerms(loaded: LoadedBatch): Record<string, Tensor> {
    const host = loaded.host;
    const images = tensor(host.images, [host.size, 3, host.height, host.width]);
    const tables = pointTargetTables(host.targets, host, this.crossInstanceNegatives);
    const result = this.criterion.forward(this.model.forward(images), tables);
    return weighted(result.terms, result.weights);
  }
}
