import type { FeatureName, PixelDecoderConfig } from '../../config/types.js';
import { type FeatureShape, MSDeformAttnPixelDecoder } from './pixel-decoder.js';

/**
 * The pixel decoder of a config (`MODEL.SEM_SEG_HEAD.*`), reading backbone features of the given
 * shapes (for Swin: embedDim·2^i channels at strides 4, 8, 16, 32).
 */
export function pixelDecoderFromConfig(
  cfg: PixelDecoderConfig,
  inputShape: Readonly<Partial<Record<FeatureName, FeatureShape>>>,
  seed: number,
  multiScaleLevels = 3,
): MSDeformAttnPixelDecoder {
  return new MSDeformAttnPixelDecoder({
    inputShape,
    inFeatures: cfg.inFeatures,
    transformerInFeatures: cfg.transformerInFeatures,
    convDim: cfg.convDim,
    maskDim: cfg.maskDim,
    groupNormGroups: cfg.groupNormGroups,
    commonStride: cfg.commonStride,
    encoder: { ...cfg.encoder },
    multiScaleLevels,
    seed,
  });
}
