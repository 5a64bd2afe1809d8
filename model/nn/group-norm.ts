import { type Tensor, ShapeError, ones, zeros } from '../../engine/index.js';
import { groupNorm } from './functional-norm.js';
import { Module } from './module.js';

/** torch.nn.GroupNorm(groups, channels) on [B, C, ...]: weight 1 and bias 0 at init, eps 1e-5. */
export class GroupNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly options: { eps?: number; affine?: boolean } = {},
  ) {
    super();
    if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
      throw new ShapeError(`GroupNorm: ${groups} groups do not divide ${channels} channels`);
    }
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([channels])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([channels])) : null;
  }

  get eps(): number {
    return this.options.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.channels) {
      throw new ShapeError(
        `GroupNorm(${this.groups}, ${this.channels}): input ${x.describe()} must be [B, ${this.channels}, ...]`,
      );
    }
    return groupNorm(x, this.groups, this.weight, this.bias, this.eps);
  }
}
