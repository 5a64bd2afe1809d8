/**
 * MSDeformAttnTransformerEncoderLayer: post-norm deformable self-attention then a ReLU FFN.
 * src = norm1(src + attn(src + pos, src)); src = norm2(src + linear2(relu(linear1(src)))).
 */
import { type Tensor, add, relu } from '../../../engine/index.js';
import { Dropout, LayerNorm, Linear, Module, deriveSeed } from '../../nn/index.js';
import { assign, xavierUniform } from './init.js';
import { type DeformLevels, MSDeformAttn } from './ms-deform-attn.js';

export interface EncoderLayerOptions {
  dModel: number;
  ffnDim: number;
  dropout: number;
  nLevels: number;
  nHeads: number;
  nPoints: number;
  seed: number;
}

export class MSDeformAttnEncoderLayer extends Module {
  readonly selfAttn: MSDeformAttn;
  readonly norm1: LayerNorm;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm2: LayerNorm;
  private readonly dropouts: [Dropout, Dropout, Dropout];

  constructor(options: EncoderLayerOptions) {
    super();
    const { dModel, ffnDim, dropout, nLevels, nHeads, nPoints, seed } = options;
    const sub = (name: string) => deriveSeed(seed, name);
    this.selfAttn = this.registerModule(
      'self_attn',
      new MSDeformAttn({ dModel, nLevels, nHeads, nPoints, seed: sub('self_attn') }),
    );
    this.dropouts = [1, 2, 3].map((i) =>
      this.registerModule(`dropout${i}`, new Dropout(dropout, sub(`dropout${i}`))),
    ) as [Dropout, Dropout, Dropout];
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, ffnDim, { seed: sub('linear1') }));
    this.linear2 = this.registerModule('linear2', new Linear(ffnDim, dModel, { seed: sub('linear2') }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel));
    // The encoder's _reset_parameters: xavier on every matrix; the FFN biases keep torch's default.
    for (const name of ['linear1', 'linear2'] as const) {
      assign(this[name].weight, (shape) => xavierUniform(shape, sub(`${name}.xavier`)));
    }
  }

  /** src [N, S, C], pos [1 | N, S, C] (position + level embedding), reference [1 | N, S, 1 | L, 2]. */
  forward(src: Tensor, pos: Tensor, reference: Tensor, levels: DeformLevels): Tensor {
    const [drop1, drop2, drop3] = this.dropouts;
    const attended = this.selfAttn.forward(add(src, pos), reference, src, levels);
    let x = this.norm1.forward(add(src, drop1.forward(attended)));
    const hidden = drop2.forward(relu(this.linear1.forward(x)));
    x = this.norm2.forward(add(x, drop3.forward(this.linear2.forward(hidden))));
    return x;
  }
}
