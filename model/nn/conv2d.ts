import { type Tensor, ShapeError, rand } from '../../engine/index.js';
import { conv2d } from '../../engine/ops/conv.js';
import { Module } from './module.js';

type Pair = number | readonly [number, number];

export interface Conv2dModuleOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Default true. */
  bias?: boolean;
  seed: number;
}

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * torch.nn.Conv2d: weight [out, in/groups, kh, kw], bias [out]. Init as torch's
 * kaiming_uniform(a=√5): weight and bias uniform in ±1/√fan_in, fan_in = in/groups·kh·kw.
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    readonly options: Conv2dModuleOptions,
  ) {
    super();
    const groups = options.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ShapeError(
        `Conv2d: groups ${groups} must divide ${inChannels} in and ${outChannels} out channels`,
      );
    }
    this.kernelSize = pair(kernelSize);
    const [kh, kw] = this.kernelSize;
    const bound = 1 / Math.sqrt((inChannels / groups) * kh * kw);
    this.weight = this.registerParameter(
      'weight',
      rand([outChannels, inChannels / groups, kh, kw], { seed: options.seed, low: -bound, high: bound }),
    );
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter(
            'bias',
            rand([outChannels], { seed: options.seed, stream: 1, low: -bound, high: bound }),
          );
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this.options;
    return conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}
