import { type Tensor, permute, reshape } from '../../engine/index.js';
import type { FeatureName } from '../config/types.js';
import { Dropout } from '../nn/dropout.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { deriveSeed } from '../nn/seed.js';
import { SwinGeometryCache } from './geometry-cache.js';
import { type ResolvedSwinOptions, type SwinOptions, dropPathRates, resolveSwinOptions } from './options.js';
import { PatchEmbed } from './patch-embed.js';
import { SwinStage } from './stage.js';

/** The backbone's outputs by name: res{i+2} for each requested stage i. */
export type SwinFeatures = Partial<Record<FeatureName, Tensor>>;

export interface FeatureShape {
  channels: number;
  stride: number;
}

const FEATURE_NAMES: readonly FeatureName[] = ['res2', 'res3', 'res4', 'res5'];

/** The feature name of stage i (res2 for stage 0). */
export function stageFeatureName(stage: number): FeatureName {
  const name = FEATURE_NAMES[stage];
  if (!name) throw new RangeError(`Swin stage ${stage} has no feature name (stages 0..3)`);
  return name;
}

/**
 * Names in an official checkpoint that are derived here, not loaded: Swin's
 * `relative_position_index` buffers (and `attn_mask`, which some Swin versions save).
 * Pass as `loadStateDict(..., { ignore: isSwinDerivedBufferName })`.
 */
export function isSwinDerivedBufferName(name: string): boolean {
  return /(^|\.)(relative_position_index|attn_mask)$/.test(name);
}

/**
 * Swin Transformer as Mask2Former's D2SwinTransformer computes it (M2F_SEMANTICS.md §3.1).
 * Parameters under the official names: `patch_embed.*`, `layers.{i}.blocks.{j}.*`,
 * `layers.{i}.downsample.*`, `norm{i}.*` for i in outIndices (the full model mounts it under
 * `backbone.`). forward: images [B, Cin, H, W] → res{i+2} [B, C·2^i, ⌈H/4⌉/2^i…, …]: NCHW views of
 * the normed stage outputs (NHWC in memory; `contiguous` them where a dense NCHW tensor is needed).
 */
export class SwinTransformer extends Module {
  readonly options: ResolvedSwinOptions;
  readonly patchEmbed: PatchEmbed;
  readonly layers: ModuleList<SwinStage>;
  /** norm{i} for each i in outIndices. */
  readonly outNorms = new Map<number, LayerNorm>();
  private readonly posDrop: Dropout;
  private readonly geometry = new SwinGeometryCache();

  constructor(options: SwinOptions) {
    super();
    const o = resolveSwinOptions(options);
    this.options = o;
    this.patchEmbed = this.registerModule(
      'patch_embed',
      new PatchEmbed({
        patchSize: o.patchSize,
        inChannels: o.inChannels,
        embedDim: o.embedDim,
        patchNorm: o.patchNorm,
        seed: deriveSeed(o.seed, 'patch_embed'),
      }),
    );
    this.posDrop = this.registerModule('pos_drop', new Dropout(o.dropRate, deriveSeed(o.seed, 'pos_drop')));
    const rates = dropPathRates(o.depths, o.dropPathRate);
    this.layers = this.registerModule('layers', new ModuleList<SwinStage>());
    o.depths.forEach((depth, i) => {
      this.layers.append(
        new SwinStage({
          dim: o.embedDim * 2 ** i,
          depth,
          numHeads: o.numHeads[i]!,
          windowSize: o.windowSize,
          mlpRatio: o.mlpRatio,
          qkvBias: o.qkvBias,
          qkScale: o.qkScale,
          dropRate: o.dropRate,
          dropPath: rates[i]!,
          downsample: i + 1 < o.depths.length,
          seed: deriveSeed(o.seed, `layers.${i}`),
        }),
      );
    });
    for (const i of [...new Set(o.outIndices)].sort((a, b) => a - b)) {
      stageFeatureName(i); // only res2..res5 exist
      this.outNorms.set(i, this.registerModule(`norm${i}`, new LayerNorm(this.channels(i))));
    }
  }

  /** Channels of stage i: embedDim·2^i. */
  channels(stage: number): number {
    return this.options.embedDim * 2 ** stage;
  }

  /** Channels and stride of each output (detectron2's output_shape()). */
  outputShapes(): Partial<Record<FeatureName, FeatureShape>> {
    const out: Partial<Record<FeatureName, FeatureShape>> = {};
    for (const i of this.outNorms.keys())
      out[stageFeatureName(i)] = { channels: this.channels(i), stride: this.options.patchSize * 2 ** i };
    return out;
  }

  forward(images: Tensor): SwinFeatures {
    const embedded = this.patchEmbed.forward(images);
    let x = this.posDrop.forward(embedded.tokens);
    let H = embedded.H;
    let W = embedded.W;
    const last = Math.max(...this.outNorms.keys());
    const features: SwinFeatures = {};
    // Stages past the last requested output cannot affect it: they are not run.
    for (let i = 0; i <= last; i++) {
      const stage = this.layers.get(i).forward(x, H, W, this.geometry);
      const norm = this.outNorms.get(i);
      if (norm) {
        const normed = norm.forward(stage.out);
        const B = normed.shape[0]!;
        features[stageFeatureName(i)] = permute(reshape(normed, [B, H, W, this.channels(i)]), [0, 3, 1, 2]);
      }
      x = stage.next;
      H = stage.nextH;
      W = stage.nextW;
    }
    return features;
  }

  override dispose(): void {
    super.dispose();
    this.geometry.dispose();
  }
}
