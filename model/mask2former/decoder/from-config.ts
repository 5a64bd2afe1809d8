import type { ModelConfig } from '../../config/types.js';
import { maskedDecoderOptionsFromConfig } from './options.js';
import { MultiScaleMaskedTransformerDecoder } from './transformer-decoder.js';

/** The transformer decoder of a model config (`MODEL.MASK_FORMER.*`), seeded for from-scratch init. */
export function maskedDecoderFromConfig(
  model: ModelConfig,
  seed: number,
): MultiScaleMaskedTransformerDecoder {
  return new MultiScaleMaskedTransformerDecoder(maskedDecoderOptionsFromConfig(model, seed));
}
