import { type Tensor, ShapeError, flatten, indexSelect, randn, reshape } from '../../engine/index.js';
import { Module } from './module.js';

/** torch.nn.Embedding: `weight` [n, dim] drawn from N(0, 1); forward looks rows up by index. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    options: { seed: number },
  ) {
    super();
    this.weight = this.registerParameter('weight', randn([numEmbeddings, dim], { seed: options.seed }));
  }

  /** Rows of `weight` for i32 indices of any shape: [...indices.shape, dim]. */
  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'i32') throw new ShapeError(`Embedding: indices ${indices.describe()} must be i32`);
    const rows = indexSelect(this.weight, 0, indices.ndim === 1 ? indices : flatten(indices));
    return indices.ndim === 1 ? rows : reshape(rows, [...indices.shape, this.dim]);
  }
}
