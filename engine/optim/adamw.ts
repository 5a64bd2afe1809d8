/**
 * AdamW with PyTorch's semantics (decoupled weight decay, bias correction, per-parameter step
 * counts), one fused update kernel per parameter and no readbacks.
 */
import { adamwKernel, adamwParamValues } from '../../shaders/optim/adamw.js';
import { fillInPlace } from '../ops/copy.js';
import { engine } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import { type ParamGroup, type ParamGroupSpec, type ParamState, Optimizer } from './optimizer.js';
import { bindDense, useVec4 } from './optimizer-util.js';

export interface AdamWOptions {
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
  /** Default for groups that don't set their own (PyTorch's default is 0.01). */
  weightDecay?: number;
  /** Clip the global gradient norm to this before each step (detectron2 full-model clipping). */
  maxGradNorm?: number | null;
}

export class AdamW extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;

  constructor(params: readonly Tensor[] | readonly ParamGroupSpec[], options: AdamWOptions) {
    super(params, options.lr, options.weightDecay ?? 0.01, options.maxGradNorm ?? null);
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
  }

  protected bufferNames(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected initBuffers(s: ParamState): void {
    for (const t of s.buffers.values()) fillInPlace(t, 0);
  }

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
    const hyper = {
      lr: this.lr * group.lrMultiplier,
      beta1: this.betas[0],
      beta2: this.betas[1],
      eps: this.eps,
      weightDecay: group.weightDecay,
    };
    const buffers = [
      bindDense(p),
      bindDense(grad),
      bindDense(state.buffers.get('exp_avg')!),
      bindDense(state.buffers.get('exp_avg_sq')!),
    ];
    if (scale) buffers.push({ buffer: scale.buffer, size: 4 });
    engine().stream.dispatch1D(
      adamwKernel(vec4, scale !== null),
      buffers,
      adamwParamValues(hyper, state.step, n),
      n,
      () => `${p.describe()} step ${state.step}`,
    );
  }
}
