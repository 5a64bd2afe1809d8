/** SGD with optional momentum (PyTorch semantics), one fused update kernel per parameter. */
import { sgdKernel } from '../../shaders/optim/sgd.js';
import { EngineError } from '../errors.js';
import { engine } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { type ParamGroup, type ParamGroupSpec, type ParamState, Optimizer } from './optimizer.js';
import { bindDense, useVec4 } from './optimizer-util.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient (PyTorch's coupled weight decay). */
  weightDecay?: number;
  nesterov?: boolean;
  maxGradNorm?: number | null;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(params: readonly Tensor[] | readonly ParamGroupSpec[], options: SGDOptions) {
    super(params, options.lr, options.weightDecay ?? 0, options.maxGradNorm ?? null);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new EngineError('SGD: nesterov needs momentum > 0 and zero dampening');
    }
  }

  protected bufferNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  /** The first step copies the gradient into the buffer, so its initial contents don't matter. */
  protected initBuffers(_s: ParamState): void {}

  protected update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup,
    state: ParamState,
    scale: Tensor | null,
  ): void {
    if (p.size === 0) return;
    const vec4 = useVec4(p.size);
    const n = vec4 ? p.size / 4 : p.size;
    const withMomentum = this.momentum !== 0;
    const buffers = [bindDense(p), bindDense(grad)];
    if (withMomentum) buffers.push(bindDense(state.buffers.get('momentum_buffer')!));
    if (scale) buffers.push({ buffer: scale.buffer, size: 4 });
    engine().stream.dispatch1D(
      sgdKernel(vec4, scale !== null, withMomentum),
      buffers,
      {
        n,
        lr: this.lr * group.lrMultiplier,
        weight_decay: group.weightDecay,
        momentum: this.momentum,
        one_minus_dampening: 1 - this.dampening,
        first: state.step === 1 ? 1 : 0,
        nesterov: this.nesterov ? 1 : 0,
      },
      n,
      () => `${p.describe()} step ${state.step}`,
    );
  }
}
