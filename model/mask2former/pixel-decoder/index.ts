// Mask2Former's MSDeformAttnPixelDecoder (official parameter names under sem_seg_head.pixel_decoder.).
export {
  type BackboneFeatures,
  type FeatureShape,
  type PixelDecoderOptions,
  type PixelDecoderOutput,
  MSDeformAttnPixelDecoder,
} from './pixel-decoder.js';
export { pixelDecoderFromConfig } from './from-config.js';
export {
  type DeformableEncoderOptions,
  type EncoderOutput,
  MSDeformAttnTransformerEncoderOnly,
} from './encoder.js';
export { type EncoderLayerOptions, MSDeformAttnEncoderLayer } from './encoder-layer.js';
export {
  type DeformLevels,
  type MSDeformAttnOptions,
  MSDeformAttn,
  offsetNormalizer,
} from './ms-deform-attn.js';
export { type ConvNormOptions, ConvNorm, InputProjection } from './conv-norm.js';
export { type PositionLayout, sinePositionEmbedding } from './position-embedding.js';
export { type LevelGeometry, LevelGeometryCache, referencePointData } from './level-geometry.js';
export { c2XavierUniform, samplingOffsetGrid, xavierUniform } from './init.js';
