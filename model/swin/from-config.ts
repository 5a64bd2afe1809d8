import { EngineError } from '../../engine/index.js';
import type { FeatureName, SwinConfig } from '../config/types.js';
import { SwinTransformer } from './backbone.js';
import type { SwinOptions } from './options.js';

const STAGE_OF: Record<FeatureName, number> = { res2: 0, res3: 1, res4: 2, res5: 3 };

/** SwinOptions from the `model.swin` config section (MODEL.SWIN.* of the official configs). */
export function swinOptionsFromConfig(cfg: SwinConfig, seed: number): SwinOptions {
  if (cfg.absolutePositionEmbedding) {
    throw new EngineError(
      'model.swin.absolutePositionEmbedding: not supported (off in every Mask2Former config)',
    );
  }
  return {
    embedDim: cfg.embedDim,
    depths: cfg.depths,
    numHeads: cfg.numHeads,
    windowSize: cfg.windowSize,
    mlpRatio: cfg.mlpRatio,
    qkvBias: cfg.qkvBias,
    qkScale: cfg.qkScale,
    dropRate: cfg.dropRate,
    attnDropRate: cfg.attnDropRate,
    dropPathRate: cfg.dropPathRate,
    patchSize: cfg.patchSize,
    patchNorm: cfg.patchNorm,
    outIndices: cfg.outFeatures.map((f) => STAGE_OF[f]),
    seed,
  };
}

export function swinFromConfig(cfg: SwinConfig, seed: number): SwinTransformer {
  return new SwinTransformer(swinOptionsFromConfig(cfg, seed));
}
