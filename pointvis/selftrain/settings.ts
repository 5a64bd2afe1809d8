/**
 * What each stage takes from the run config: the video model's test-time frame input and MinVIS
 * window for proposals, and the matcher settings (λ, presence, normalisation, variant) for the
 * pseudo labels — the same fields `pointvis proposals` and `pointvis pseudo` read.
 */
import type { CostWeights } from '../../engine/index.js';
import type { PointvisConfig } from '../../model/config/index.js';
import { DEFAULT_WINDOW_SIZE, minvisSettingsFromConfig } from '../../model/minvis/index.js';
import type { ProposalMaskSize, ProposalRunOptions } from '../proposals';
import { PAPER_LAMBDA, type PseudoOptions } from '../pseudo';

export function proposalStageSettings(
  config: PointvisConfig,
  maskSize: ProposalMaskSize,
): Pick<ProposalRunOptions, 'frameInput' | 'proposal'> {
  const queries = config.model.decoder.numQueries;
  const supervision = config.pointSupervision;
  return {
    frameInput: {
      resize: { shortEdge: config.input.minSizeTest, maxSize: config.input.maxSizeTest },
      collate: {
        pixelMean: config.model.pixelMean,
        pixelStd: config.model.pixelStd,
        sizeDivisibility: config.model.sizeDivisibility,
      },
    },
    proposal: {
      windowSize: config.video ? minvisSettingsFromConfig(config).windowSize : DEFAULT_WINDOW_SIZE,
      proposalsPerVideo: Math.min(queries, supervision?.proposalsPerVideo ?? queries),
      threshold: supervision?.proposalMaskThreshold ?? 0.5,
      maskSize,
    },
  };
}

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
