// Mask2Former's masked-attention transformer decoder (official names under sem_seg_head.predictor.).
export {
  type DecoderForwardOptions,
  type DecoderPrediction,
  type MaskedDecoderOutput,
  MultiScaleMaskedTransformerDecoder,
  allPredictions,
} from './transformer-decoder.js';
export { type MaskedDecoderOptions, maskedDecoderOptionsFromConfig } from './options.js';
export { CrossAttentionLayer, FFNLayer, SelfAttentionLayer } from './layers.js';
export { type MultiheadAttentionCall, MultiheadAttention } from './multihead-attention.js';
export { maskedAttentionMask } from './attention-mask.js';
export { maskedDecoderFromConfig } from './from-config.js';
