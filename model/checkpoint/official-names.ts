/**
 * The state-dict names and shapes of the official Mask2Former (facebookresearch/Mask2Former,
 * `MaskFormer` meta-architecture with D2SwinTransformer, MSDeformAttnPixelDecoder and
 * MultiScaleMaskedTransformerDecoder) — MinVIS's per-frame model has the same names — in the
 * order `model.state_dict()` lists them. Our modules register the same names, so converted
 * official checkpoints load by name; this list is what a strict load of one must match.
 *
 * For Swin-T on COCO (`officialMask2FormerState(SWIN_T_COCO)`) the list has 497 entries with
 * the buffers (see test/fixtures/checkpoint/, dumped from the official code).
 */
import { FEATURE_STRIDE } from '../config/schema-pointvis.js';
import type {
  FeatureName,
  ModelConfig,
  PixelDecoderConfig,
  SwinConfig,
  TransformerDecoderConfig,
} from '../config/types.js';

export interface OfficialEntry {
  name: string;
  shape: number[];
  /** A learnable parameter, or a buffer. */
  kind: 'parameter' | 'buffer';
  /**
   * Rebuilt from the config rather than learned (Swin's relative_position_index, the criterion's
   * empty_weight): official checkpoints contain it, ours leave it out, loading ignores it.
   */
  derived: boolean;
}

/** What the official state depends on (a ModelConfig has all of it). */
export type OfficialArchitecture = Pick<ModelConfig, 'numClasses' | 'swin' | 'pixelDecoder' | 'decoder'>;

/** Names of values that are derived from the config and never loaded (official checkpoints have some). */
export function isDerivedStateName(name: string): boolean {
  return (
    name.endsWith('.relative_position_index') ||
    name.endsWith('.attn_mask') ||
    name === 'criterion.empty_weight' ||
    name === 'pixel_mean' ||
    name === 'pixel_std'
  );
}

class EntryList {
  readonly entries: OfficialEntry[] = [];

  param(name: string, ...shape: number[]): void {
    this.entries.push({ name, shape, kind: 'parameter', derived: false });
  }

  buffer(name: string, shape: number[], derived: boolean): void {
    this.entries.push({ name, shape, kind: 'buffer', derived });
  }

  linear(name: string, inFeatures: number, outFeatures: number, bias = true): void {
    this.param(`${name}.weight`, outFeatures, inFeatures);
    if (bias) this.param(`${name}.bias`, outFeatures);
  }

  norm(name: string, channels: number): void {
    this.param(`${name}.weight`, channels);
    this.param(`${name}.bias`, channels);
  }

  conv(name: string, inChannels: number, outChannels: number, kernel: number, bias: boolean): void {
    this.param(`${name}.weight`, outChannels, inChannels, kernel, kernel);
    if (bias) this.param(`${name}.bias`, outChannels);
  }

  /** nn.MultiheadAttention: packed q/k/v input projection, then out_proj. */
  multiheadAttention(name: string, dim: number): void {
    this.param(`${name}.in_proj_weight`, 3 * dim, dim);
    this.param(`${name}.in_proj_bias`, 3 * dim);
    this.linear(`${name}.out_proj`, dim, dim);
  }
}

function swinEntries(out: EntryList, p: string, s: SwinConfig): void {
  const stages = s.depths.length;
  const channels = (i: number) => s.embedDim * 2 ** i;
  if (s.absolutePositionEmbedding) {
    const side = Math.floor(s.pretrainImageSize / s.patchSize);
    out.param(`${p}absolute_pos_embed`, 1, s.embedDim, side, side);
  }
  out.conv(`${p}patch_embed.proj`, 3, s.embedDim, s.patchSize, true);
  if (s.patchNorm) out.norm(`${p}patch_embed.norm`, s.embedDim);
  const tableSide = 2 * s.windowSize - 1;
  const tokens = s.windowSize * s.windowSize;
  for (let i = 0; i < stages; i++) {
    const c = channels(i);
    const hidden = Math.floor(c * s.mlpRatio);
    for (let j = 0; j < s.depths[i]!; j++) {
      const b = `${p}layers.${i}.blocks.${j}`;
      out.norm(`${b}.norm1`, c);
      out.param(`${b}.attn.relative_position_bias_table`, tableSide * tableSide, s.numHeads[i]!);
      out.buffer(`${b}.attn.relative_position_index`, [tokens, tokens], true);
      out.linear(`${b}.attn.qkv`, c, 3 * c, s.qkvBias);
      out.linear(`${b}.attn.proj`, c, c);
      out.norm(`${b}.norm2`, c);
      out.linear(`${b}.mlp.fc1`, c, hidden);
      out.linear(`${b}.mlp.fc2`, hidden, c);
    }
    if (i < stages - 1) {
      out.linear(`${p}layers.${i}.downsample.reduction`, 4 * c, 2 * c, false);
      out.norm(`${p}layers.${i}.downsample.norm`, 4 * c);
    }
  }
  // D2SwinTransformer keeps the default out_indices (every stage) whatever OUT_FEATURES says.
  for (let i = 0; i < stages; i++) out.norm(`${p}norm${i}`, channels(i));
}

function stageOf(f: FeatureName): number {
  return Math.log2(FEATURE_STRIDE[f]) - 2;
}

function pixelDecoderEntries(out: EntryList, p: string, d: PixelDecoderConfig, swin: SwinConfig): void {
  const channelsOf = (f: FeatureName) => swin.embedDim * 2 ** stageOf(f);
  const byStride = (fs: readonly FeatureName[]) =>
    [...fs].sort((a, b) => FEATURE_STRIDE[a] - FEATURE_STRIDE[b]);
  // Transformer levels run coarsest first (res5, res4, res3).
  const levels = byStride(d.transformerInFeatures).reverse();
  levels.forEach((f, l) => {
    out.conv(`${p}input_proj.${l}.0`, channelsOf(f), d.convDim, 1, true);
    out.norm(`${p}input_proj.${l}.1`, d.convDim);
  });
  out.param(`${p}transformer.level_embed`, levels.length, d.convDim);
  const e = d.encoder;
  for (let k = 0; k < e.layers; k++) {
    const layer = `${p}transformer.encoder.layers.${k}`;
    out.linear(`${layer}.self_attn.sampling_offsets`, d.convDim, e.heads * levels.length * e.points * 2);
    out.linear(`${layer}.self_attn.attention_weights`, d.convDim, e.heads * levels.length * e.points);
    out.linear(`${layer}.self_attn.value_proj`, d.convDim, d.convDim);
    out.linear(`${layer}.self_attn.output_proj`, d.convDim, d.convDim);
    out.norm(`${layer}.norm1`, d.convDim);
    out.linear(`${layer}.linear1`, d.convDim, e.ffnDim);
    out.linear(`${layer}.linear2`, e.ffnDim, d.convDim);
    out.norm(`${layer}.norm2`, d.convDim);
  }
  out.conv(`${p}mask_features`, d.convDim, d.maskDim, 1, true);
  // FPN steps below the finest encoder level: adapter_k / layer_k, counted from res2 upward.
  const minStride = Math.min(...d.transformerInFeatures.map((f) => FEATURE_STRIDE[f]));
  const fpnLevels = Math.log2(minStride) - Math.log2(d.commonStride);
  byStride(d.inFeatures)
    .slice(0, fpnLevels)
    .forEach((f, idx) => {
      // With a norm the official convs have no bias (`use_bias = norm == ""`).
      out.conv(`${p}adapter_${idx + 1}`, channelsOf(f), d.convDim, 1, false);
      out.norm(`${p}adapter_${idx + 1}.norm`, d.convDim);
      out.conv(`${p}layer_${idx + 1}`, d.convDim, d.convDim, 3, false);
      out.norm(`${p}layer_${idx + 1}.norm`, d.convDim);
    });
}

function predictorEntries(
  out: EntryList,
  p: string,
  d: TransformerDecoderConfig,
  inChannels: number,
  maskDim: number,
  numClasses: number,
): void {
  const h = d.hiddenDim;
  for (let i = 0; i < d.layers; i++) {
    out.multiheadAttention(`${p}transformer_self_attention_layers.${i}.self_attn`, h);
    out.norm(`${p}transformer_self_attention_layers.${i}.norm`, h);
  }
  for (let i = 0; i < d.layers; i++) {
    out.multiheadAttention(`${p}transformer_cross_attention_layers.${i}.multihead_attn`, h);
    out.norm(`${p}transformer_cross_attention_layers.${i}.norm`, h);
  }
  for (let i = 0; i < d.layers; i++) {
    out.linear(`${p}transformer_ffn_layers.${i}.linear1`, h, d.ffnDim);
    out.linear(`${p}transformer_ffn_layers.${i}.linear2`, d.ffnDim, h);
    out.norm(`${p}transformer_ffn_layers.${i}.norm`, h);
  }
  out.norm(`${p}decoder_norm`, h);
  out.param(`${p}query_feat.weight`, d.numQueries, h);
  out.param(`${p}query_embed.weight`, d.numQueries, h);
  out.param(`${p}level_embed.weight`, d.featureLevels, h);
  if (inChannels !== h || d.enforceInputProjection) {
    for (let l = 0; l < d.featureLevels; l++) out.conv(`${p}input_proj.${l}`, inChannels, h, 1, true);
  }
  out.linear(`${p}class_embed`, h, numClasses + 1);
  out.linear(`${p}mask_embed.layers.0`, h, h);
  out.linear(`${p}mask_embed.layers.1`, h, h);
  out.linear(`${p}mask_embed.layers.2`, h, maskDim);
}

/** Every entry of the official model's state_dict, in its order. */
export function officialMask2FormerState(arch: OfficialArchitecture): OfficialEntry[] {
  const out = new EntryList();
  swinEntries(out, 'backbone.', arch.swin);
  pixelDecoderEntries(out, 'sem_seg_head.pixel_decoder.', arch.pixelDecoder, arch.swin);
  predictorEntries(
    out,
    'sem_seg_head.predictor.',
    arch.decoder,
    arch.pixelDecoder.convDim,
    arch.pixelDecoder.maskDim,
    arch.numClasses,
  );
  out.buffer('criterion.empty_weight', [arch.numClasses + 1], true);
  return out.entries;
}

/** The learned entries only: what our model registers and a converted checkpoint holds. */
export function officialParameterNames(arch: OfficialArchitecture): OfficialEntry[] {
  return officialMask2FormerState(arch).filter((e) => !e.derived);
}

/** Swin-T Mask2Former for COCO instance segmentation (maskformer2_swin_tiny_bs16_50ep). */
export const SWIN_T_COCO: OfficialArchitecture = {
  numClasses: 80,
  swin: {
    pretrainImageSize: 224,
    patchSize: 4,
    embedDim: 96,
    depths: [2, 2, 6, 2],
    numHeads: [3, 6, 12, 24],
    windowSize: 7,
    mlpRatio: 4,
    qkvBias: true,
    qkScale: null,
    dropRate: 0,
    attnDropRate: 0,
    dropPathRate: 0.3,
    absolutePositionEmbedding: false,
    patchNorm: true,
    outFeatures: ['res2', 'res3', 'res4', 'res5'],
  },
  pixelDecoder: {
    inFeatures: ['res2', 'res3', 'res4', 'res5'],
    transformerInFeatures: ['res3', 'res4', 'res5'],
    convDim: 256,
    maskDim: 256,
    groupNormGroups: 32,
    commonStride: 4,
    encoder: { layers: 6, heads: 8, points: 4, ffnDim: 1024, dropout: 0 },
  },
  decoder: {
    hiddenDim: 256,
    numQueries: 100,
    heads: 8,
    ffnDim: 2048,
    layers: 9,
    preNorm: false,
    dropout: 0,
    enforceInputProjection: false,
    featureLevels: 3,
  },
};
