import { type Tensor, ShapeError, ones, zeros } from '../../engine/index.js';
import { layerNorm } from './functional-norm.js';
import { Module } from './module.js';

/** torch.nn.LayerNorm over the last axis: weight 1 and bias 0 at init, eps 1e-5. */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(
    readonly dim: number,
    readonly options: { eps?: number; elementwiseAffine?: boolean } = {},
  ) {
    super();
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([dim])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([dim])) : null;
  }

  get eps(): number {
    return this.options.eps ?? 1e-5;
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.dim)
      throw new ShapeError(`LayerNorm(${this.dim}): input ${x.describe()}`);
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
