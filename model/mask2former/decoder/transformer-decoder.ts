/**
 * Mask2Former's MultiScaleMaskedTransformerDecoder (transformer_decoder/
 * mask2former_transformer_decoder.py), parameter names as in the official checkpoints under
 * `sem_seg_head.predictor.`. The semantics follow M2F_SEMANTICS.md §3.3:
 *  - per level l (coarsest first): memory = input_proj_l(x_l) + level_embed[l] (keys and values),
 *    keys also + the sine position encoding of the map;
 *  - prediction heads on the raw queries, then after every layer: decoder_norm → class_embed
 *    (K+1 logits) and mask_embed (3-layer MLP) · mask_features → mask logits;
 *  - layer i reads level i mod 3 through masked cross-attention (the mask made by the previous
 *    heads at that level's size), then self-attention, then the FFN.
 * Tensors are batch-first ([B, L, C]); the official sequence-first layout is the same math.
 */
import {
  ShapeError,
  type Tensor,
  add,
  expand,
  keep,
  matmul,
  permute,
  reshape,
  select,
  tensor,
} from '../../../engine/index.js';
import { Conv2d, Embedding, LayerNorm, Linear, Mlp, Module, ModuleList, deriveSeed } from '../../nn/index.js';
import { sinePositionEmbedding } from '../pixel-decoder/index.js';
import { maskedAttentionMask } from './attention-mask.js';
import { assignC2XavierUniform, assignZeros } from './init.js';
import { CrossAttentionLayer, FFNLayer, SelfAttentionLayer } from './layers.js';
import type { MaskedDecoderOptions } from './options.js';

/** One prediction: class logits [B, Q, K+1] (last = no object) and mask logits [B, Q, Hm, Wm]. */
export interface DecoderPrediction {
  predLogits: Tensor;
  predMasks: Tensor;
}

export interface MaskedDecoderOutput extends DecoderPrediction {
  /** Predictions 0 … layers−1; auxOutputs[0] comes from the learnable queries before any layer. */
  auxOutputs: DecoderPrediction[];
  /** decoder_norm of the last layer's queries [B, Q, hiddenDim]: what MinVIS tracks. */
  queryEmbeddings: Tensor;
  /** Only with `recordAttentionMasks`: the mask layer i was given, u32 [B, 1, Q, HW_l], 1 = blocked. */
  attentionMasks?: Tensor[];
}

export interface DecoderForwardOptions {
  /** Return the attention masks (tests and inspection). */
  recordAttentionMasks?: boolean;
}

/** Every prediction in order: aux 0 … layers−1, then the final one. */
export function allPredictions(out: MaskedDecoderOutput): DecoderPrediction[] {
  return [...out.auxOutputs, { predLogits: out.predLogits, predMasks: out.predMasks }];
}

interface LevelMemory {
  /** [B, HW, C]: projected features + level embedding (the values). */
  memory: Tensor;
  /** memory + position encoding (the keys). */
  memoryWithPos: Tensor;
  size: [number, number];
}

interface HeadsResult extends DecoderPrediction {
  embeddings: Tensor;
  /** The mask for the next layer, or null after the last. */
  mask: Tensor | null;
}

/** Position encodings kept per map size (training with varying sizes keeps at most this many). */
const POSITION_CACHE_SIZE = 32;

export class MultiScaleMaskedTransformerDecoder extends Module {
  readonly transformer_self_attention_layers: ModuleList<SelfAttentionLayer>;
  readonly transformer_cross_attention_layers: ModuleList<CrossAttentionLayer>;
  readonly transformer_ffn_layers: ModuleList<FFNLayer>;
  readonly decoder_norm: LayerNorm;
  readonly query_feat: Embedding;
  readonly query_embed: Embedding;
  readonly level_embed: Embedding;
  /** 1×1 convs when inChannels ≠ hiddenDim or enforced; otherwise the identity (no parameters). */
  readonly input_proj: ModuleList<Conv2d> | null;
  readonly class_embed: Linear;
  readonly mask_embed: Mlp;
  readonly featureLevels: number;
  private readonly positionCache = new Map<string, Tensor>();

  constructor(readonly options: MaskedDecoderOptions) {
    super();
    const { hiddenDim: c, heads, layers, numQueries, seed } = options;
    const preNorm = options.preNorm ?? false;
    const sub = (name: string) => deriveSeed(seed, name);
    if (!Number.isInteger(c / heads) || c % 2 !== 0) {
      throw new ShapeError(
        `transformer decoder: hiddenDim ${c} must be even and divisible by ${heads} heads`,
      );
    }
    if ((options.dropout ?? 0) !== 0) {
      throw new ShapeError(`transformer decoder: dropout ${options.dropout} is not supported (only 0)`);
    }
    this.featureLevels = options.featureLevels ?? 3;
    // Registration order = the official state_dict order.
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    this.transformer_self_attention_layers = this.registerModule(
      'transformer_self_attention_layers',
      new ModuleList(range(layers).map((i) => new SelfAttentionLayer(c, heads, preNorm, sub(`self.${i}`)))),
    );
    this.transformer_cross_attention_layers = this.registerModule(
      'transformer_cross_attention_layers',
      new ModuleList(range(layers).map((i) => new CrossAttentionLayer(c, heads, preNorm, sub(`cross.${i}`)))),
    );
    this.transformer_ffn_layers = this.registerModule(
      'transformer_ffn_layers',
      new ModuleList(range(layers).map((i) => new FFNLayer(c, options.ffnDim, preNorm, sub(`ffn.${i}`)))),
    );
    this.decoder_norm = this.registerModule('decoder_norm', new LayerNorm(c));
    this.query_feat = this.registerModule(
      'query_feat',
      new Embedding(numQueries, c, { seed: sub('query_feat') }),
    );
    this.query_embed = this.registerModule(
      'query_embed',
      new Embedding(numQueries, c, { seed: sub('query_embed') }),
    );
    this.level_embed = this.registerModule(
      'level_embed',
      new Embedding(this.featureLevels, c, { seed: sub('level_embed') }),
    );
    if (options.inChannels !== c || options.enforceInputProjection) {
      const convs = range(this.featureLevels).map((l) => {
        const conv = new Conv2d(options.inChannels, c, 1, { seed: sub(`input_proj.${l}`) });
        // detectron2's c2_xavier_fill: kaiming_uniform(a=1) weight, zero bias.
        assignC2XavierUniform(conv.weight, sub(`input_proj.${l}.weight`));
        assignZeros(conv.bias!);
        return conv;
      });
      this.input_proj = this.registerModule('input_proj', new ModuleList(convs));
    } else {
      this.input_proj = null;
    }
    this.class_embed = this.registerModule(
      'class_embed',
      new Linear(c, options.numClasses + 1, { seed: sub('class_embed') }),
    );
    this.mask_embed = this.registerModule(
      'mask_embed',
      new Mlp([c, c, c, options.maskDim], sub('mask_embed')),
    );
  }

  private positionEncoding(h: number, w: number): Tensor {
    const key = `${h}x${w}`;
    let pos = this.positionCache.get(key);
    if (!pos) {
      if (this.positionCache.size >= POSITION_CACHE_SIZE) {
        const [oldest, t] = this.positionCache.entries().next().value as [string, Tensor];
        this.positionCache.delete(oldest);
        t.dispose();
      }
      const c = this.options.hiddenDim;
      pos = keep(tensor(sinePositionEmbedding(h, w, c / 2, 'tokens-first'), [h * w, c]));
      this.positionCache.set(key, pos);
    }
    return pos;
  }

  private levelMemory(x: Tensor, l: number, batch: number): LevelMemory {
    const { inChannels, hiddenDim: c } = this.options;
    if (x.dtype !== 'f32' || x.ndim !== 4 || x.shape[0] !== batch || x.shape[1] !== inChannels) {
      throw new ShapeError(
        `transformer decoder: level ${l} ${x.describe()} must be f32 [${batch}, ${inChannels}, H, W]`,
      );
    }
    const [, , h, w] = x.shape as [number, number, number, number];
    const projected = this.input_proj ? this.input_proj.get(l).forward(x) : x;
    const tokens = permute(reshape(projected, [batch, c, h * w]), [0, 2, 1]);
    // The level embedding is part of src: it reaches both the keys and the values.
    const memory = add(tokens, select(this.level_embed.weight, 0, l));
    return { memory, memoryWithPos: add(memory, this.positionEncoding(h, w)), size: [h, w] };
  }

  /** decoder_norm → class and mask heads; the attention mask for a layer reading `nextSize`. */
  private heads(output: Tensor, maskFeatures: Tensor, nextSize: [number, number] | null): HeadsResult {
    const [b, q] = output.shape as [number, number];
    const [, dm, hm, wm] = maskFeatures.shape as [number, number, number, number];
    const embeddings = this.decoder_norm.forward(output);
    const predLogits = this.class_embed.forward(embeddings);
    const maskEmbed = this.mask_embed.forward(embeddings);
    const predMasks = reshape(matmul(maskEmbed, reshape(maskFeatures, [b, dm, hm * wm])), [b, q, hm, wm]);
    const mask = nextSize ? maskedAttentionMask(predMasks, nextSize) : null;
    return { predLogits, predMasks, embeddings, mask };
  }

  /**
   * features: the pixel decoder's multi-scale maps [B, inChannels, H_l, W_l], coarsest first;
   * maskFeatures [B, maskDim, H/4, W/4].
   */
  forward(
    features: readonly Tensor[],
    maskFeatures: Tensor,
    options: DecoderForwardOptions = {},
  ): MaskedDecoderOutput {
    const { hiddenDim: c, numQueries: q, maskDim, layers } = this.options;
    if (features.length !== this.featureLevels) {
      throw new ShapeError(
        `transformer decoder: ${features.length} feature levels given, ${this.featureLevels} expected`,
      );
    }
    const batch = features[0]!.shape[0]!;
    if (
      maskFeatures.dtype !== 'f32' ||
      maskFeatures.ndim !== 4 ||
      maskFeatures.shape[0] !== batch ||
      maskFeatures.shape[1] !== maskDim
    ) {
      throw new ShapeError(
        `transformer decoder: mask features ${maskFeatures.describe()} must be f32 [${batch}, ${maskDim}, H, W]`,
      );
    }
    const levels = features.map((x, l) => this.levelMemory(x, l, batch));
    const queryPos = this.query_embed.weight; // [Q, C], broadcast over the batch
    let output = expand(reshape(this.query_feat.weight, [1, q, c]), [batch, q, c]);
    let heads = this.heads(output, maskFeatures, levels[0]!.size);
    const auxOutputs: DecoderPrediction[] = [];
    const attentionMasks: Tensor[] = [];
    for (let i = 0; i < layers; i++) {
      const level = levels[i % this.featureLevels]!;
      const mask = heads.mask!;
      if (options.recordAttentionMasks) attentionMasks.push(mask);
      auxOutputs.push({ predLogits: heads.predLogits, predMasks: heads.predMasks });
      output = this.transformer_cross_attention_layers
        .get(i)
        .forward(output, level.memory, level.memoryWithPos, queryPos, mask);
      output = this.transformer_self_attention_layers.get(i).forward(output, queryPos);
      output = this.transformer_ffn_layers.get(i).forward(output);
      const next = i + 1 < layers ? levels[(i + 1) % this.featureLevels]!.size : null;
      heads = this.heads(output, maskFeatures, next);
    }
    return {
      predLogits: heads.predLogits,
      predMasks: heads.predMasks,
      auxOutputs,
      queryEmbeddings: heads.embeddings,
      ...(options.recordAttentionMasks ? { attentionMasks } : {}),
    };
  }

  override dispose(): void {
    for (const t of this.positionCache.values()) t.dispose();
    this.positionCache.clear();
    super.dispose();
  }
}
