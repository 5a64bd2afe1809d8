import { type Tensor, linear, rand } from '../../engine/index.js';
import { Module } from './module.js';

/** torch.nn.Linear: weight [out, in], bias [out], default init U(-1/sqrt(in), 1/sqrt(in)). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean; seed: number },
  ) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter(
      'weight',
      rand([outFeatures, inFeatures], { seed: options.seed, low: -bound, high: bound }),
    );
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter(
            'bias',
            rand([outFeatures], { seed: options.seed, stream: 1, low: -bound, high: bound }),
          );
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
