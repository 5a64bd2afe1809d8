// Swin Transformer backbone (Mask2Former's D2SwinTransformer).
export {
  type FeatureShape,
  type SwinFeatures,
  SwinTransformer,
  isSwinDerivedBufferName,
  stageFeatureName,
} from './backbone.js';
export { SwinTransformerBlock, type SwinBlockOptions } from './block.js';
export { SwinGeometryCache, type WindowGeometry } from './geometry-cache.js';
export { SwinMlp } from './mlp.js';
export {
  type ResolvedSwinOptions,
  type SwinArchitecture,
  type SwinOptions,
  SWIN_B,
  SWIN_CPU_TINY,
  SWIN_L,
  SWIN_MICRO,
  SWIN_S,
  SWIN_T,
  dropPathRates,
  resolveSwinOptions,
} from './options.js';
export { PatchEmbed, type PatchEmbedOptions } from './patch-embed.js';
export { PatchMerging } from './patch-merging.js';
export { SwinStage, type SwinStageOptions, type SwinStageOutput } from './stage.js';
export { WindowAttention, type WindowAttentionOptions } from './window-attention.js';
export { swinFromConfig, swinOptionsFromConfig } from './from-config.js';
export * from './window-index.js';
