/**
 * The convolutions of the pixel decoder, with the official parameter names:
 * - ConvNorm: detectron2's Conv2d wrapper (conv → optional norm → optional ReLU), names
 *   `weight`, `bias` (only without a norm) and `norm.{weight,bias}`; used for adapter_*, layer_*.
 * - InputProjection: nn.Sequential(Conv2d 1×1 with bias, GroupNorm), names `0.*` and `1.*`.
 */
import { ShapeError, type Tensor, relu, zeros } from '../../../engine/index.js';
import { conv2d } from '../../../engine/ops/conv.js';
import { Conv2d, GroupNorm, Module, deriveSeed } from '../../nn/index.js';
import { assign, assignConstant, c2XavierUniform, xavierUniform } from './init.js';

export interface ConvNormOptions {
  kernelSize: number;
  padding?: number;
  /** GroupNorm groups; null for no norm (then the conv has a bias, as `use_bias = norm == ""`). */
  normGroups: number | null;
  relu?: boolean;
  seed: number;
}

export class ConvNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly norm: GroupNorm | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly options: ConvNormOptions,
  ) {
    super();
    const k = options.kernelSize;
    // c2_xavier_fill: kaiming_uniform(a=1) weight, zero bias.
    this.weight = this.registerParameter(
      'weight',
      c2XavierUniform([outChannels, inChannels, k, k], options.seed),
    );
    this.bias = options.normGroups === null ? this.registerParameter('bias', zeros([outChannels])) : null;
    this.norm =
      options.normGroups === null
        ? null
        : this.registerModule('norm', new GroupNorm(options.normGroups, outChannels));
  }

  forward(x: Tensor): Tensor {
    let y = conv2d(x, this.weight, this.bias, { padding: this.options.padding ?? 0 });
    if (this.norm) y = this.norm.forward(y);
    return this.options.relu ? relu(y) : y;
  }
}

export class InputProjection extends Module {
  readonly conv: Conv2d;
  readonly norm: GroupNorm;

  constructor(inChannels: number, outChannels: number, groups: number, seed: number) {
    super();
    if (outChannels % groups !== 0) {
      throw new ShapeError(`input_proj: ${groups} GroupNorm groups do not divide ${outChannels} channels`);
    }
    this.conv = this.registerModule('0', new Conv2d(inChannels, outChannels, 1, { seed }));
    this.norm = this.registerModule('1', new GroupNorm(groups, outChannels));
    // The official init: xavier_uniform weight (gain 1), zero bias.
    assign(this.conv.weight, (shape) => xavierUniform(shape, deriveSeed(seed, 'xavier')));
    assignConstant(this.conv.bias!, 0);
  }

  forward(x: Tensor): Tensor {
    return this.norm.forward(this.conv.forward(x));
  }
}
