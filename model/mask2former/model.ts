/**
 * The whole Mask2Former (the official `MaskFormer` meta-architecture with a Swin backbone,
 * MSDeformAttnPixelDecoder and MultiScaleMaskedTransformerDecoder), parameters under the
 * official names so converted checkpoints load strictly:
 *   backbone.*                      D2SwinTransformer (every stage's norm{i}, as officially)
 *   sem_seg_head.pixel_decoder.*    the pixel decoder
 *   sem_seg_head.predictor.*        the masked-attention transformer decoder
 * forward takes normalised, zero-padded images (pointvis/data `collate`); preprocessing and
 * postprocessing live apart (inference.ts).
 */
import { ShapeError, type Tensor } from '../../engine/index.js';
import { Module, deriveSeed } from '../nn/index.js';
import { SwinTransformer, type SwinOptions } from '../swin/index.js';
import {
  type DecoderForwardOptions,
  type MaskedDecoderOptions,
  type MaskedDecoderOutput,
  MultiScaleMaskedTransformerDecoder,
} from './decoder/index.js';
import { MSDeformAttnPixelDecoder, type PixelDecoderOptions } from './pixel-decoder/index.js';

export interface Mask2FormerOptions {
  /** Classes without no-object (`SEM_SEG_HEAD.NUM_CLASSES`). */
  numClasses: number;
  /** The backbone (`MODEL.SWIN.*`); every stage's output is built, as D2SwinTransformer does. */
  swin: Omit<SwinOptions, 'seed' | 'outIndices' | 'inChannels'>;
  /** `MODEL.SEM_SEG_HEAD.*`; the input shapes come from the backbone. */
  pixelDecoder: Omit<PixelDecoderOptions, 'inputShape' | 'seed' | 'multiScaleLevels'>;
  /** `MODEL.MASK_FORMER.*`; input channels and mask dim come from the pixel decoder. */
  decoder: Omit<MaskedDecoderOptions, 'inChannels' | 'maskDim' | 'numClasses' | 'seed'>;
  /** The padded input is a multiple of this (`MASK_FORMER.SIZE_DIVISIBILITY`, default 32). */
  sizeDivisibility?: number;
  /** Seeds the from-scratch initialisation of every part. */
  seed: number;
}

/** `sem_seg_head`: MaskFormerHead, a pixel decoder and the predictor (no parameters of its own). */
export class MaskFormerHead extends Module {
  constructor(
    readonly pixel_decoder: MSDeformAttnPixelDecoder,
    readonly predictor: MultiScaleMaskedTransformerDecoder,
  ) {
    super();
    this.registerModule('pixel_decoder', pixel_decoder);
    this.registerModule('predictor', predictor);
  }

  forward(features: Parameters<MSDeformAttnPixelDecoder['forward']>[0], options?: DecoderForwardOptions) {
    const { maskFeatures, multiScaleFeatures } = this.pixel_decoder.forward(features);
    return this.predictor.forward(multiScaleFeatures, maskFeatures, options);
  }
}

export type Mask2FormerOutput = MaskedDecoderOutput;

export class Mask2Former extends Module {
  readonly backbone: SwinTransformer;
  readonly sem_seg_head: MaskFormerHead;
  readonly numClasses: number;
  readonly sizeDivisibility: number;

  constructor(readonly options: Mask2FormerOptions) {
    super();
    const { seed } = options;
    this.numClasses = options.numClasses;
    this.sizeDivisibility = options.sizeDivisibility ?? 32;
    if (!Number.isInteger(this.sizeDivisibility) || this.sizeDivisibility < 1) {
      throw new ShapeError(
        `Mask2Former: sizeDivisibility ${this.sizeDivisibility} must be a positive integer`,
      );
    }
    const stages = options.swin.depths.length;
    this.backbone = this.registerModule(
      'backbone',
      new SwinTransformer({
        ...options.swin,
        outIndices: Array.from({ length: stages }, (_, i) => i),
        seed: deriveSeed(seed, 'backbone'),
      }),
    );
    const pixelDecoder = new MSDeformAttnPixelDecoder({
      ...options.pixelDecoder,
      inputShape: this.backbone.outputShapes(),
      multiScaleLevels: options.decoder.featureLevels ?? 3,
      seed: deriveSeed(seed, 'sem_seg_head.pixel_decoder'),
    });
    const predictor = new MultiScaleMaskedTransformerDecoder({
      ...options.decoder,
      inChannels: options.pixelDecoder.convDim,
      maskDim: options.pixelDecoder.maskDim,
      numClasses: options.numClasses,
      seed: deriveSeed(seed, 'sem_seg_head.predictor'),
    });
    this.sem_seg_head = this.registerModule('sem_seg_head', new MaskFormerHead(pixelDecoder, predictor));
  }

  /** Checks a batch of network inputs: f32 [B, 3, H, W], H and W multiples of sizeDivisibility. */
  checkImages(images: Tensor): void {
    const k = this.sizeDivisibility;
    const [b, c, h, w] = images.shape as [number, number, number, number];
    if (images.dtype !== 'f32' || images.ndim !== 4 || c !== 3 || b < 1) {
      throw new ShapeError(
        `Mask2Former: images ${images.describe()} must be f32 [B ≥ 1, 3, H, W] (normalised RGB)`,
      );
    }
    if (h < k || w < k || h % k !== 0 || w % k !== 0) {
      throw new ShapeError(
        `Mask2Former: images ${images.describe()}: H ${h} and W ${w} must be positive multiples of ` +
          `sizeDivisibility ${k} (zero-pad right/bottom after normalising, as collate does)`,
      );
    }
  }

  /**
   * images: f32 [B, 3, H, W], normalised and zero-padded to multiples of sizeDivisibility.
   * Returns the last prediction (class logits [B, Q, K+1], mask logits [B, Q, H/4, W/4]), the
   * auxiliary ones (from the raw queries, then after each layer but the last) and the last
   * layer's normalised query embeddings [B, Q, hiddenDim].
   */
  forward(images: Tensor, options: DecoderForwardOptions = {}): Mask2FormerOutput {
    this.checkImages(images);
    return this.sem_seg_head.forward(this.backbone.forward(images), options);
  }
}
