import type { Tensor } from '../../engine/index.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { deriveSeed } from '../nn/seed.js';
import { SwinTransformerBlock } from './block.js';
import type { SwinGeometryCache } from './geometry-cache.js';
import { PatchMerging } from './patch-merging.js';

export interface SwinStageOptions {
  dim: number;
  depth: number;
  numHeads: number;
  windowSize: number;
  mlpRatio: number;
  qkvBias: boolean;
  qkScale: number | null;
  dropRate: number;
  /** Drop-path rate of each block (length depth). */
  dropPath: readonly number[];
  /** PatchMerging after the blocks (stages 0..n−2). */
  downsample: boolean;
  seed: number;
}

export interface SwinStageOutput {
  /** The stage's blocks' output [B, H·W, C] (un-normed; what PatchMerging reads). */
  out: Tensor;
  H: number;
  W: number;
  /** The input of the next stage [B, H'·W', 2C] (the downsampled map), or `out` without downsampling. */
  next: Tensor;
  nextH: number;
  nextW: number;
}

/** One stage (official BasicLayer): `blocks.{j}` alternating unshifted / shifted, then `downsample`. */
export class SwinStage extends Module {
  readonly blocks: ModuleList<SwinTransformerBlock>;
  readonly downsample: PatchMerging | null;

  constructor(readonly options: SwinStageOptions) {
    super();
    const o = options;
    this.blocks = this.registerModule('blocks', new ModuleList<SwinTransformerBlock>());
    for (let j = 0; j < o.depth; j++) {
      this.blocks.append(
        new SwinTransformerBlock({
          dim: o.dim,
          numHeads: o.numHeads,
          windowSize: o.windowSize,
          shift: j % 2 === 0 ? 0 : Math.floor(o.windowSize / 2),
          mlpRatio: o.mlpRatio,
          qkvBias: o.qkvBias,
          qkScale: o.qkScale,
          dropRate: o.dropRate,
          dropPath: o.dropPath[j] ?? 0,
          seed: deriveSeed(o.seed, `blocks.${j}`),
        }),
      );
    }
    this.downsample = o.downsample
      ? this.registerModule('downsample', new PatchMerging(o.dim, { seed: deriveSeed(o.seed, 'downsample') }))
      : null;
  }

  forward(x: Tensor, H: number, W: number, cache: SwinGeometryCache): SwinStageOutput {
    let h = x;
    for (const block of this.blocks)
      h = block.forward(h, cache.window(H, W, block.options.windowSize, block.options.shift));
    if (!this.downsample) return { out: h, H, W, next: h, nextH: H, nextW: W };
    const next = this.downsample.forward(h, H, W, cache.merging(H, W));
    return { out: h, H, W, next, nextH: Math.ceil(H / 2), nextW: Math.ceil(W / 2) };
  }
}
