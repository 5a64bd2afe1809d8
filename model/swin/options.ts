/**
 * Options of the Swin backbone (names follow the official constructor arguments) and the
 * published variants. Mask2Former's D2SwinTransformer: patch size 4, no absolute position
 * embedding, window and shift never clamped to the feature map.
 */
import { EngineError } from '../../engine/index.js';

export interface SwinOptions {
  /** Channels of stage 0; stage i has embedDim·2^i. */
  embedDim: number;
  /** Blocks per stage. */
  depths: readonly number[];
  /** Attention heads per stage. */
  numHeads: readonly number[];
  /** Window side; odd blocks shift by ⌊windowSize/2⌋. */
  windowSize: number;
  /** MLP hidden width = mlpRatio·C (default 4). */
  mlpRatio?: number;
  /** qkv Linear has a bias (default true). */
  qkvBias?: boolean;
  /** Replaces head_dim^−0.5 when set (default null). */
  qkScale?: number | null;
  /** Dropout after the patch embedding, in the MLP and after the projection (default 0). */
  dropRate?: number;
  /** Dropout on attention probabilities; must be 0 (the fused attention has none). */
  attnDropRate?: number;
  /** Stochastic depth of the last block; block k of n gets rate·k/(n−1) (default 0). */
  dropPathRate?: number;
  /** Patch embedding stride and kernel (default 4). */
  patchSize?: number;
  /** Image channels (default 3). */
  inChannels?: number;
  /** LayerNorm after the patch embedding (default true). */
  patchNorm?: boolean;
  /** Stages whose (normed) outputs are returned as res{i+2} (default [0, 1, 2, 3]). */
  outIndices?: readonly number[];
  /** Parameter init seed. */
  seed: number;
}

/** Architecture numbers of a variant (everything but the seed and the regularisation). */
export type SwinArchitecture = Pick<SwinOptions, 'embedDim' | 'depths' | 'numHeads' | 'windowSize'>;

/** Swin-T / S (ImageNet-1k 224), B / L (ImageNet-21k 384), as Mask2Former configures them. */
export const SWIN_T: SwinArchitecture = {
  embedDim: 96,
  depths: [2, 2, 6, 2],
  numHeads: [3, 6, 12, 24],
  windowSize: 7,
};
export const SWIN_S: SwinArchitecture = {
  embedDim: 96,
  depths: [2, 2, 18, 2],
  numHeads: [3, 6, 12, 24],
  windowSize: 7,
};
export const SWIN_B: SwinArchitecture = {
  embedDim: 128,
  depths: [2, 2, 18, 2],
  numHeads: [4, 8, 16, 32],
  windowSize: 12,
};
export const SWIN_L: SwinArchitecture = {
  embedDim: 192,
  depths: [2, 2, 18, 2],
  numHeads: [6, 12, 24, 48],
  windowSize: 12,
};
/** configs/models/cpu-tiny.yaml: the same structure, small enough to train on CPU. */
export const SWIN_CPU_TINY: SwinArchitecture = {
  embedDim: 16,
  depths: [2, 2, 2, 2],
  numHeads: [1, 2, 4, 8],
  windowSize: 7,
};
/** The smallest useful backbone (tests): 8 channels, one head per stage. */
export const SWIN_MICRO: SwinArchitecture = {
  embedDim: 8,
  depths: [2, 2, 2, 2],
  numHeads: [1, 1, 2, 2],
  windowSize: 7,
};

/** Options with every default filled in. */
export type ResolvedSwinOptions = Required<SwinOptions>;

export function resolveSwinOptions(o: SwinOptions): ResolvedSwinOptions {
  const r: ResolvedSwinOptions = {
    mlpRatio: 4,
    qkvBias: true,
    qkScale: null,
    dropRate: 0,
    attnDropRate: 0,
    dropPathRate: 0,
    patchSize: 4,
    inChannels: 3,
    patchNorm: true,
    outIndices: [0, 1, 2, 3],
    ...o,
  };
  const fail = (problem: string) => new EngineError(`Swin options: ${problem}`);
  const stages = r.depths.length;
  if (stages === 0 || r.numHeads.length !== stages) {
    throw fail(`depths [${r.depths}] and numHeads [${r.numHeads}] must be non-empty and of equal length`);
  }
  r.numHeads.forEach((h, i) => {
    const c = r.embedDim * 2 ** i;
    if (!Number.isInteger(h) || h < 1 || c % h !== 0)
      throw fail(`stage ${i}: ${h} heads do not divide ${c} channels`);
  });
  if (r.depths.some((d) => !Number.isInteger(d) || d < 1))
    throw fail(`depths [${r.depths}] must be positive integers`);
  if (!Number.isInteger(r.windowSize) || r.windowSize < 1) throw fail(`windowSize ${r.windowSize}`);
  if (r.outIndices.length === 0 || r.outIndices.some((i) => !Number.isInteger(i) || i < 0 || i >= stages)) {
    throw fail(`outIndices [${r.outIndices}] must name stages 0..${stages - 1}`);
  }
  if (r.attnDropRate !== 0)
    throw fail(`attnDropRate ${r.attnDropRate}: attention dropout is not supported (use 0)`);
  for (const [name, p] of [
    ['dropRate', r.dropRate],
    ['dropPathRate', r.dropPathRate],
  ] as const) {
    if (!(p >= 0 && p < 1)) throw fail(`${name} ${p} must be in [0, 1)`);
  }
  return r;
}

/** Per-block drop-path rates, linearly from 0 to `rate` over all blocks (torch.linspace). */
export function dropPathRates(depths: readonly number[], rate: number): number[][] {
  const total = depths.reduce((s, d) => s + d, 0);
  let k = 0;
  return depths.map((d) =>
    Array.from({ length: d }, () => {
      const r = total > 1 ? (rate * k) / (total - 1) : 0;
      k++;
      return r;
    }),
  );
}
