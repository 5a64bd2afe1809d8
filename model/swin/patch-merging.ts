import { type Tensor, ShapeError, indexSelect, reshape } from '../../engine/index.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';

/**
 * Swin's downsampling between stages (parameters `norm` over 4C, `reduction` 4C → 2C, no bias).
 * The 2×2 neighbours are concatenated as x0, x1, x2, x3 = (dy, dx) = (0,0), (1,0), (0,1), (1,1),
 * with a zero bottom row / right column when H / W is odd: one gather (SwinGeometryCache.merging).
 */
export class PatchMerging extends Module {
  readonly norm: LayerNorm;
  readonly reduction: Linear;

  constructor(
    readonly dim: number,
    options: { seed: number },
  ) {
    super();
    this.reduction = this.registerModule(
      'reduction',
      new Linear(4 * dim, 2 * dim, { bias: false, seed: deriveSeed(options.seed, 'reduction') }),
    );
    this.norm = this.registerModule('norm', new LayerNorm(4 * dim));
  }

  /** x [B, H·W, C], index from SwinGeometryCache.merging(H, W) → [B, ⌈H/2⌉·⌈W/2⌉, 2C]. */
  forward(x: Tensor, H: number, W: number, index: Tensor): Tensor {
    const [B, N, C] = x.shape as [number, number, number];
    if (x.ndim !== 3 || N !== H * W || C !== this.dim) {
      throw new ShapeError(
        `PatchMerging(${this.dim}): input ${x.describe()} is not [B, ${H}·${W}, ${this.dim}]`,
      );
    }
    const tokens = Math.ceil(H / 2) * Math.ceil(W / 2);
    const merged = reshape(indexSelect(x, 1, index), [B, tokens, 4 * C]);
    return this.reduction.forward(this.norm.forward(merged));
  }
}
