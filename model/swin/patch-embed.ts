import { type Tensor, ShapeError, contiguous, pad, permute, reshape } from '../../engine/index.js';
import { Conv2d } from '../nn/conv2d.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';

export interface PatchEmbedOptions {
  patchSize: number;
  inChannels: number;
  embedDim: number;
  /** LayerNorm on the tokens (`norm`). */
  patchNorm: boolean;
  seed: number;
}

/**
 * Image → tokens: zero-pad right/bottom to a multiple of the patch size (only when needed),
 * Conv2d(k = s = patch, with bias) (`proj`), flatten row-major, LayerNorm (`norm`).
 */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;
  readonly norm: LayerNorm | null;

  constructor(readonly options: PatchEmbedOptions) {
    super();
    const { patchSize: p, inChannels, embedDim } = options;
    this.proj = this.registerModule(
      'proj',
      new Conv2d(inChannels, embedDim, p, { stride: p, seed: deriveSeed(options.seed, 'proj') }),
    );
    this.norm = options.patchNorm ? this.registerModule('norm', new LayerNorm(embedDim)) : null;
  }

  /** images [B, Cin, H, W] → tokens [B, H'·W', C] with H' = ⌈H/p⌉, W' = ⌈W/p⌉. */
  forward(images: Tensor): { tokens: Tensor; H: number; W: number } {
    const { patchSize: p, inChannels, embedDim } = this.options;
    if (images.ndim !== 4 || images.shape[1] !== inChannels) {
      throw new ShapeError(`PatchEmbed: input ${images.describe()} is not [B, ${inChannels}, H, W]`);
    }
    const [B, , Hi, Wi] = images.shape as [number, number, number, number];
    const padH = (p - (Hi % p)) % p;
    const padW = (p - (Wi % p)) % p;
    const x =
      padH > 0 || padW > 0
        ? pad(images, [
            [0, padH],
            [0, padW],
          ])
        : images;
    const H = (Hi + padH) / p;
    const W = (Wi + padW) / p;
    // [B, C, H·W] read as [B, H·W, C]: the norm reads the transposed view, no copy.
    const tokens = permute(reshape(this.proj.forward(x), [B, embedDim, H * W]), [0, 2, 1]);
    return { tokens: this.norm ? this.norm.forward(tokens) : contiguous(tokens), H, W };
  }
}
