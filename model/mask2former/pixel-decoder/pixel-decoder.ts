/**
 * Mask2Former's MSDeformAttnPixelDecoder (pixel_decoder/msdeformattn.py), parameter names as in
 * the official checkpoints under `sem_seg_head.pixel_decoder.`:
 *   input_proj.{l}.{0,1}   1×1 conv (bias) + GroupNorm, l = 0 for the coarsest transformer level
 *   transformer.*          the deformable encoder (level_embed, encoder.layers.{i}.*)
 *   adapter_{k}, layer_{k} FPN lateral (1×1 conv + GN) and output (3×3 conv + GN + ReLU) convs,
 *                          k = 1 for the finest feature (res2)
 *   mask_features          1×1 conv (bias) to the mask dimension
 * The position embedding (pe_layer) has no parameters.
 */
import {
  ShapeError,
  type Tensor,
  add,
  interpolate,
  reshape,
  split,
  transpose,
} from '../../../engine/index.js';
import type { FeatureName } from '../../config/types.js';
import { Module, ModuleList, deriveSeed } from '../../nn/index.js';
import { ConvNorm, InputProjection } from './conv-norm.js';
import { MSDeformAttnTransformerEncoderOnly } from './encoder.js';

/** A backbone output: its channels and stride (detectron2's ShapeSpec). */
export interface FeatureShape {
  channels: number;
  stride: number;
}

export type BackboneFeatures = Readonly<Partial<Record<FeatureName, Tensor>>>;

export interface PixelDecoderOptions {
  /** Channels and stride of every backbone feature the decoder may read. */
  inputShape: Readonly<Partial<Record<FeatureName, FeatureShape>>>;
  /** Features the decoder reads (`IN_FEATURES`: res2..res5). */
  inFeatures: readonly FeatureName[];
  /** Features the deformable encoder reads (`DEFORMABLE_TRANSFORMER_ENCODER_IN_FEATURES`: res3..res5). */
  transformerInFeatures: readonly FeatureName[];
  /** Channels inside the decoder (`CONVS_DIM`, 256). */
  convDim: number;
  /** Channels of the mask features (`MASK_DIM`, 256). */
  maskDim: number;
  /** Groups of every GroupNorm (default 32, hard-coded officially; must divide convDim). */
  groupNormGroups?: number;
  /** Stride of the mask features (`COMMON_STRIDE`, default 4). */
  commonStride?: number;
  encoder?: {
    /** Default 6. */
    layers?: number;
    /** Default 8. */
    heads?: number;
    /** Default 4. */
    points?: number;
    /** Default 1024. */
    ffnDim?: number;
    /** Default 0. */
    dropout?: number;
  };
  /** How many maps multiScaleFeatures holds (the transformer decoder's levels; default 3). */
  multiScaleLevels?: number;
  seed: number;
}

export interface PixelDecoderOutput {
  /** [B, maskDim, H/commonStride, W/commonStride]. */
  maskFeatures: Tensor;
  /** The encoder's maps [B, convDim, H_l, W_l], coarsest (res5-level) first. */
  multiScaleFeatures: Tensor[];
}

function byStride(shape: PixelDecoderOptions['inputShape'], names: readonly FeatureName[]): FeatureName[] {
  const stride = (f: FeatureName) => {
    const s = shape[f];
    if (!s) throw new ShapeError(`pixel decoder: no input shape for ${f}`);
    return s.stride;
  };
  return [...names].sort((a, b) => stride(a) - stride(b));
}

export class MSDeformAttnPixelDecoder extends Module {
  /** Transformer features, coarsest first (the level order of everything in the encoder). */
  readonly transformerLevels: FeatureName[];
  /** FPN features, finest first (adapter_1 is the first). */
  readonly fpnFeatures: FeatureName[];
  readonly inputProj: InputProjection[];
  readonly transformer: MSDeformAttnTransformerEncoderOnly;
  readonly lateralConvs: ConvNorm[];
  readonly outputConvs: ConvNorm[];
  readonly maskFeatures: ConvNorm;
  readonly multiScaleLevels: number;

  constructor(readonly options: PixelDecoderOptions) {
    super();
    const { inputShape, convDim, maskDim, seed } = options;
    const groups = options.groupNormGroups ?? 32;
    const commonStride = options.commonStride ?? 4;
    const enc = options.encoder ?? {};
    const sub = (name: string) => deriveSeed(seed, name);
    if (convDim % groups !== 0)
      throw new ShapeError(`pixel decoder: ${groups} GroupNorm groups do not divide convDim ${convDim}`);
    for (const f of options.transformerInFeatures) {
      if (!options.inFeatures.includes(f))
        throw new ShapeError(`pixel decoder: transformer feature ${f} is not in inFeatures`);
    }
    const inFeatures = byStride(inputShape, options.inFeatures);
    this.transformerLevels = byStride(inputShape, options.transformerInFeatures).reverse();
    this.multiScaleLevels = options.multiScaleLevels ?? 3;
    const channels = (f: FeatureName) => inputShape[f]!.channels;

    this.inputProj = this.transformerLevels.map(
      (f, l) => new InputProjection(channels(f), convDim, groups, sub(`input_proj.${l}`)),
    );
    this.registerModule('input_proj', new ModuleList(this.inputProj));

    this.transformer = this.registerModule(
      'transformer',
      new MSDeformAttnTransformerEncoderOnly({
        dModel: convDim,
        nLevels: this.transformerLevels.length,
        nHeads: enc.heads ?? 8,
        nPoints: enc.points ?? 4,
        layers: enc.layers ?? 6,
        ffnDim: enc.ffnDim ?? 1024,
        dropout: enc.dropout ?? 0,
        seed: sub('transformer'),
      }),
    );

    // Registered before the FPN convs: the official state_dict lists mask_features first.
    this.maskFeatures = this.registerModule(
      'mask_features',
      new ConvNorm(convDim, maskDim, { kernelSize: 1, normGroups: null, seed: sub('mask_features') }),
    );

    // FPN steps for the features finer than the transformer's finest stride, down to commonStride.
    const minStride = Math.min(...this.transformerLevels.map((f) => inputShape[f]!.stride));
    const fpnLevels = Math.max(0, Math.round(Math.log2(minStride) - Math.log2(commonStride)));
    this.fpnFeatures = inFeatures.slice(0, fpnLevels);
    this.lateralConvs = [];
    this.outputConvs = [];
    this.fpnFeatures.forEach((f, idx) => {
      const k = idx + 1;
      this.lateralConvs.push(
        this.registerModule(
          `adapter_${k}`,
          new ConvNorm(channels(f), convDim, {
            kernelSize: 1,
            normGroups: groups,
            seed: sub(`adapter_${k}`),
          }),
        ),
      );
      this.outputConvs.push(
        this.registerModule(
          `layer_${k}`,
          new ConvNorm(convDim, convDim, {
            kernelSize: 3,
            padding: 1,
            normGroups: groups,
            relu: true,
            seed: sub(`layer_${k}`),
          }),
        ),
      );
    });
  }

  private feature(features: BackboneFeatures, f: FeatureName): Tensor {
    const x = features[f];
    const want = this.options.inputShape[f]!.channels;
    if (!x) throw new ShapeError(`pixel decoder: feature ${f} missing`);
    if (x.dtype !== 'f32' || x.ndim !== 4 || x.shape[1] !== want) {
      throw new ShapeError(`pixel decoder: ${f} ${x.describe()} must be f32 [B, ${want}, H, W]`);
    }
    return x;
  }

  forward(features: BackboneFeatures): PixelDecoderOutput {
    const srcs = this.transformerLevels.map((f, l) => this.inputProj[l]!.forward(this.feature(features, f)));
    const { memory, shapes } = this.transformer.forward(srcs);
    const [batch] = memory.shape as [number];
    const convDim = this.options.convDim;
    // Tokens back to maps, coarsest first.
    const maps = split(
      memory,
      shapes.map(([h, w]) => h * w),
      1,
    ).map((z, l) => reshape(transpose(z, 1, 2), [batch, convDim, shapes[l]![0], shapes[l]![1]]));
    // Top-down: from the coarsest FPN feature to the finest, each adding the previous map
    // bilinearly resized (align_corners=False) to its size.
    const out = [...maps];
    for (let idx = this.fpnFeatures.length - 1; idx >= 0; idx--) {
      const lateral = this.lateralConvs[idx]!.forward(this.feature(features, this.fpnFeatures[idx]!));
      const size: [number, number] = [lateral.shape[2]!, lateral.shape[3]!];
      const previous = out[out.length - 1]!;
      const upsampled = interpolate(previous, { size, mode: 'bilinear', alignCorners: false });
      out.push(this.outputConvs[idx]!.forward(add(lateral, upsampled)));
    }
    return {
      maskFeatures: this.maskFeatures.forward(out[out.length - 1]!),
      multiScaleFeatures: out.slice(0, this.multiScaleLevels),
    };
  }
}
