import { type Tensor, ShapeError, add, indexSelect, reshape } from '../../engine/index.js';
import { DropPath } from '../nn/dropout.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';
import type { WindowGeometry } from './geometry-cache.js';
import { SwinMlp } from './mlp.js';
import { WindowAttention } from './window-attention.js';

export interface SwinBlockOptions {
  dim: number;
  numHeads: number;
  windowSize: number;
  /** Cyclic shift (⌊ws/2⌋ on odd blocks, 0 on even ones). */
  shift: number;
  mlpRatio: number;
  qkvBias: boolean;
  qkScale: number | null;
  dropRate: number;
  dropPath: number;
  seed: number;
}

/**
 * One Swin block, pre-norm: x + WMSA(LN1(x)), then x + MLP(LN2(x)), with (shifted) windows on
 * the 7-window grid (no clamping to small maps). Parameters `norm1`, `attn.*`, `norm2`, `mlp.*`.
 *
 * The padding happens after norm1 and the padded tokens stay unmasked keys (their k, v are the
 * qkv biases). Pad + roll(−s) + partition is one gather of the normed tokens, and merge +
 * roll(+s) + crop one gather of the attention output (indices from the geometry).
 */
export class SwinTransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: WindowAttention;
  readonly norm2: LayerNorm;
  readonly mlp: SwinMlp;
  private readonly dropPath: DropPath;

  constructor(readonly options: SwinBlockOptions) {
    super();
    const { dim, seed } = options;
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.attn = this.registerModule(
      'attn',
      new WindowAttention({
        dim,
        numHeads: options.numHeads,
        windowSize: options.windowSize,
        qkvBias: options.qkvBias,
        qkScale: options.qkScale,
        projDropRate: options.dropRate,
        seed: deriveSeed(seed, 'attn'),
      }),
    );
    // One module for both residual branches, as in the official block.
    this.dropPath = this.registerModule(
      'drop_path',
      new DropPath(options.dropPath, deriveSeed(seed, 'drop_path')),
    );
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    const hidden = Math.floor(dim * options.mlpRatio);
    this.mlp = this.registerModule(
      'mlp',
      new SwinMlp(dim, hidden, { dropRate: options.dropRate, seed: deriveSeed(seed, 'mlp') }),
    );
  }

  /** x [B, H·W, C] (row-major tokens) → [B, H·W, C]; `geometry` must be for this block's shift. */
  forward(x: Tensor, geometry: WindowGeometry): Tensor {
    const [B, N, C] = x.shape as [number, number, number];
    const { H, W, numWindows } = geometry;
    const L = this.options.windowSize ** 2;
    if (x.ndim !== 3 || N !== H * W || C !== this.options.dim) {
      throw new ShapeError(
        `SwinTransformerBlock(${this.options.dim}): input ${x.describe()} is not [B, ${H}·${W}, ${this.options.dim}]`,
      );
    }
    if (geometry.shift !== this.options.shift || geometry.windowSize !== this.options.windowSize) {
      throw new ShapeError(
        `SwinTransformerBlock: geometry for window ${geometry.windowSize} shift ${geometry.shift}, ` +
          `block has window ${this.options.windowSize} shift ${this.options.shift}`,
      );
    }
    const windows = indexSelect(this.norm1.forward(x), 1, geometry.partition);
    const attended = this.attn.attend(reshape(windows, [B * numWindows, L, C]), geometry.mask);
    const merged = indexSelect(reshape(attended, [B, numWindows * L, C]), 1, geometry.reverse);
    const h = add(x, this.dropPath.forward(this.attn.project(merged)));
    return add(h, this.dropPath.forward(this.mlp.forward(this.norm2.forward(h))));
  }
}
