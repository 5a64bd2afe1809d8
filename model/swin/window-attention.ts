import {
  type Tensor,
  attention,
  indexSelect,
  permute,
  randn,
  reshape,
  slice,
  tensor,
} from '../../engine/index.js';
import { Dropout } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';
import { relativePositionIndex } from './window-index.js';

export interface WindowAttentionOptions {
  dim: number;
  numHeads: number;
  windowSize: number;
  qkvBias: boolean;
  /** Replaces head_dim^−0.5 when not null. */
  qkScale: number | null;
  /** Dropout after the output projection. */
  projDropRate: number;
  seed: number;
}

/**
 * Multi-head self-attention inside ws×ws windows with a learned relative position bias
 * (parameters `qkv`, `proj`, `relative_position_bias_table`; derived buffer
 * `relative_position_index`). Split in two so the block can crop padded tokens before the
 * per-token output projection: `attend` (qkv → fused attention, heads merged) and `project`.
 */
export class WindowAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  /** [(2ws−1)², heads]; row idx(a, b), column h is bias[h, a, b]. */
  readonly relativePositionBiasTable: Tensor;
  /** i32 [L, L], L = ws²: the table row of each (query, key) pair. */
  readonly relativePositionIndex: Tensor;
  private readonly projDrop: Dropout;
  readonly scale: number;

  constructor(readonly options: WindowAttentionOptions) {
    super();
    const { dim, numHeads, windowSize: ws, seed } = options;
    const L = ws * ws;
    this.scale = options.qkScale ?? (dim / numHeads) ** -0.5;
    // Official init: trunc_normal(std 0.02) truncated at ±2, i.e. 100σ: a plain normal.
    this.relativePositionBiasTable = this.registerParameter(
      'relative_position_bias_table',
      randn([(2 * ws - 1) ** 2, numHeads], {
        seed: deriveSeed(seed, 'relative_position_bias_table'),
        std: 0.02,
      }),
    );
    this.relativePositionIndex = this.registerBuffer(
      'relative_position_index',
      tensor(relativePositionIndex(ws), [L, L], 'i32'),
      {
        persistent: false,
      },
    );
    this.qkv = this.registerModule(
      'qkv',
      new Linear(dim, 3 * dim, { bias: options.qkvBias, seed: deriveSeed(seed, 'qkv') }),
    );
    this.proj = this.registerModule('proj', new Linear(dim, dim, { seed: deriveSeed(seed, 'proj') }));
    this.projDrop = this.registerModule(
      'proj_drop',
      new Dropout(options.projDropRate, deriveSeed(seed, 'proj_drop')),
    );
  }

  /** bias[h, a, b] = table[index[a, b], h] as an [H, L, L] view of one gather (the table gets gradients). */
  relativePositionBias(): Tensor {
    const L = this.options.windowSize ** 2;
    const rows = indexSelect(this.relativePositionBiasTable, 0, reshape(this.relativePositionIndex, [L * L]));
    return permute(reshape(rows, [L, L, this.options.numHeads]), [2, 0, 1]);
  }

  /**
   * windows [B·nW, L, C] (batch-major) → attention output with heads merged, [B·nW, L, C], before
   * the projection. `mask` is the shifted-window mask [nW, 1, L, L], added to the logits after the
   * relative bias; window b reads mask[b mod nW].
   */
  attend(windows: Tensor, mask: Tensor | null): Tensor {
    const [Bw, L, C] = windows.shape as [number, number, number];
    const nH = this.options.numHeads;
    const qkv = this.qkv.forward(windows);
    // [Bw, L, 3C] read as (3, nH, hd) per token: q, k, v are strided views, never copied.
    const heads = permute(reshape(qkv, [Bw, L, 3 * nH, C / nH]), [0, 2, 1, 3]);
    const q = slice(heads, 1, 0, nH);
    const k = slice(heads, 1, nH, 2 * nH);
    const v = slice(heads, 1, 2 * nH, 3 * nH);
    const bias = this.relativePositionBias();
    const out = attention(q, k, v, {
      scale: this.scale,
      bias: mask ? [bias, mask] : bias,
      biasBatchModulo: true,
      outputLayout: 'blhd',
    });
    // 'blhd' stores [Bw, L, nH, hd] densely: merging the heads is a free reshape.
    return reshape(permute(out, [0, 2, 1, 3]), [Bw, L, C]);
  }

  /** The output projection (per token) and its dropout. */
  project(x: Tensor): Tensor {
    return this.projDrop.forward(this.proj.forward(x));
  }
}
