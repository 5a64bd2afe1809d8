import type { ModelConfig } from '../../config/types.js';

/**
 * The constructor options of MultiScaleMaskedTransformerDecoder, named after the official config
 * keys (`MODEL.MASK_FORMER.*`, `SEM_SEG_HEAD.NUM_CLASSES`, `MASK_DIM`, `CONVS_DIM`).
 */
export interface MaskedDecoderOptions {
  /** Channels of the multi-scale features (the pixel decoder's `CONVS_DIM`). */
  inChannels: number;
  /** Classes without no-object; the class head has numClasses + 1 outputs. */
  numClasses: number;
  /** Channels of the mask features (`MASK_DIM`). */
  maskDim: number;
  /** `HIDDEN_DIM` (256). */
  hiddenDim: number;
  /** `NUM_OBJECT_QUERIES` (100; 200 for Swin-L). */
  numQueries: number;
  /** `NHEADS` (8). */
  heads: number;
  /** `DIM_FEEDFORWARD` (2048). */
  ffnDim: number;
  /** Decoder layers (official `DEC_LAYERS` − 1, i.e. 9): layers + 1 predictions. */
  layers: number;
  /** `PRE_NORM` (default false). */
  preNorm?: boolean;
  /** `ENFORCE_INPUT_PROJ`: a 1×1 projection even when inChannels = hiddenDim (default false). */
  enforceInputProjection?: boolean;
  /** Feature levels the layers cycle through (default 3, fixed in the official code). */
  featureLevels?: number;
  /** `DROPOUT`: must be 0 (the fused attention has no dropout; every Mask2Former config uses 0). */
  dropout?: number;
  /** Seeds the from-scratch initialisation. */
  seed: number;
}

/** The decoder options of a model config; the seed comes from the run. */
export function maskedDecoderOptionsFromConfig(model: ModelConfig, seed: number): MaskedDecoderOptions {
  const d = model.decoder;
  return {
    inChannels: model.pixelDecoder.convDim,
    numClasses: model.numClasses,
    maskDim: model.pixelDecoder.maskDim,
    hiddenDim: d.hiddenDim,
    numQueries: d.numQueries,
    heads: d.heads,
    ffnDim: d.ffnDim,
    layers: d.layers,
    preNorm: d.preNorm,
    enforceInputProjection: d.enforceInputProjection,
    featureLevels: d.featureLevels,
    dropout: d.dropout,
    seed,
  };
}
