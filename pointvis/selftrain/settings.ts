/**
 * What self-training takes from the run config: the matcher settings (λ, presence,
 * normalisation, variant) for the pseudo labels — the same fields `pointvis pseudo` reads — and the
 * number of rounds. (Proposal settings: pointvis/proposals/settings.ts.)
 */
import type { CostWeights } from '../../engine/index.js';
import type { PointvisConfig } from '../../model/config/index.js';
import { PAPER_LAMBDA, type PseudoOptions } from '../pseudo';

/** λ from the command line, else the config's pointSupervision, else the paper's (5, 5, 2). */
export function matcherLambda(config: PointvisConfig, given?: CostWeights): CostWeights {
  if (given !== undefined) return given;
  const s = config.pointSupervision;
  if (s === null) return PAPER_LAMBDA;
  return { ann: s.annotatedWeight, cineg: s.crossInstanceNegativeWeight, maskness: s.masknessWeight };
}

/**
 * The matcher for self-training: the config's variant and rules, with the proposals ranked by
 * the video model's CONFIDENCE ĉ_r instead of maskness (paper §3, "Self-training").
 */
export function selfTrainingMatcher(config: PointvisConfig, lambda?: CostWeights): PseudoOptions {
  const s = config.pointSupervision;
  return {
    variant: s?.perFrameMatching ? 'pf' : 'pointvis',
    weights: matcherLambda(config, lambda),
    score: 'confidence',
    presence: s?.presence ?? 'any-point',
    normalize: s?.normalization ?? 'none',
  };
}

/** --rounds, else pointSupervision.selfTrainingRounds when at least 1, else 1. */
export function roundCount(config: PointvisConfig, given?: number): number {
  if (given !== undefined) return given;
  const fromConfig = config.pointSupervision?.selfTrainingRounds ?? 0;
  return fromConfig >= 1 ? fromConfig : 1;
}
