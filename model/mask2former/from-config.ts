/**
 * Mask2Former and its criterion from a run config (kept apart from the classes,
 * which take plain options).
 */
import type { ModelConfig, PointvisConfig } from '../config/types.js';
import { swinOptionsFromConfig } from '../swin/index.js';
import { SetCriterion, setCriterionOptionsFromConfig } from './criterion/index.js';
import { maskedDecoderOptionsFromConfig } from './decoder/index.js';
import { Mask2Former, type Mask2FormerOptions } from './model.js';

function isRunConfig(cfg: PointvisConfig | ModelConfig): cfg is PointvisConfig {
  return 'model' in cfg && 'solver' in cfg;
}

/** The model section and the seed of a run config, or a bare model config with an explicit seed. */
function modelAndSeed(cfg: PointvisConfig | ModelConfig, seed: number | undefined): [ModelConfig, number] {
  return isRunConfig(cfg) ? [cfg.model, seed ?? cfg.seed] : [cfg, seed ?? 0];
}

export function mask2formerOptionsFromConfig(
  cfg: PointvisConfig | ModelConfig,
  seed?: number,
): Mask2FormerOptions {
  const [model, s] = modelAndSeed(cfg, seed);
  const swin = swinOptionsFromConfig(model.swin, s);
  const d = maskedDecoderOptionsFromConfig(model, s);
  const p = model.pixelDecoder;
  return {
    numClasses: model.numClasses,
    swin: {
      embedDim: swin.embedDim,
      depths: swin.depths,
      numHeads: swin.numHeads,
      windowSize: swin.windowSize,
      mlpRatio: swin.mlpRatio,
      qkvBias: swin.qkvBias,
      qkScale: swin.qkScale,
      dropRate: swin.dropRate,
      attnDropRate: swin.attnDropRate,
      dropPathRate: swin.dropPathRate,
      patchSize: swin.patchSize,
      patchNorm: swin.patchNorm,
    },
    pixelDecoder: {
      inFeatures: [...p.inFeatures],
      transformerInFeatures: [...p.transformerInFeatures],
      convDim: p.convDim,
      maskDim: p.maskDim,
      groupNormGroups: p.groupNormGroups,
      commonStride: p.commonStride,
      encoder: { ...p.encoder },
    },
    decoder: {
      hiddenDim: d.hiddenDim,
      numQueries: d.numQueries,
      heads: d.heads,
      ffnDim: d.ffnDim,
      layers: d.layers,
      preNorm: d.preNorm,
      enforceInputProjection: d.enforceInputProjection,
      featureLevels: d.featureLevels,
      dropout: d.dropout,
    },
    sizeDivisibility: model.sizeDivisibility,
    seed: s,
  };
}

/**
 * A from-scratch Mask2Former of a run config (seeded by `cfg.seed`) or of a model config
 * (seed 0 unless given). Loading `model.weights` is the caller's (it reads files).
 */
export function mask2formerFromConfig(cfg: PointvisConfig | ModelConfig, seed?: number): Mask2Former {
  return new Mask2Former(mask2formerOptionsFromConfig(cfg, seed));
}

/** The SetCriterion of a run config; its point draws are seeded from the run seed. */
export function criterionFromConfig(cfg: PointvisConfig, seed = cfg.seed): SetCriterion {
  return new SetCriterion(setCriterionOptionsFromConfig(cfg.loss, cfg.model.numClasses, seed));
}
