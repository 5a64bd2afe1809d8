import type { LossConfig } from '../../config/types.js';
import type { SetCriterionOptions } from './set-criterion.js';

/** The criterion options of a run config (`MODEL.MASK_FORMER.*` loss keys); the seed comes from the run. */
export function setCriterionOptionsFromConfig(
  loss: LossConfig,
  numClasses: number,
  seed: number,
): SetCriterionOptions {
  return {
    numClasses,
    classWeight: loss.classWeight,
    maskWeight: loss.maskWeight,
    diceWeight: loss.diceWeight,
    noObjectWeight: loss.noObjectWeight,
    deepSupervision: loss.deepSupervision,
    numPoints: loss.numPoints,
    oversampleRatio: loss.oversampleRatio,
    importanceSampleRatio: loss.importanceSampleRatio,
    matcher: {
      classCost: loss.matcher.classCost,
      maskCost: loss.matcher.maskCost,
      diceCost: loss.matcher.diceCost,
      numPoints: loss.matcher.numPoints,
    },
    seed,
  };
}
