/**
 * Fused AdamW update, one dispatch per parameter, PyTorch's order of operations:
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr/bc1) · m / (√v/√bc2 + ε),  bc_k = 1 − β_k^step.
 * Scalars that depend on lr and the step are computed on the CPU in float64. With `scaled`, the
 * gradient is multiplied by scale[0] first (the clip-by-global-norm factor, left on the GPU).
 * The vec4 variant needs the element count to be a multiple of 4.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

export type AdamwParam =
  | 'n'
  | 'decay'
  | 'beta1'
  | 'one_minus_beta1'
  | 'beta2'
  | 'one_minus_beta2'
  | 'step_size'
  | 'bc2_sqrt'
  | 'eps';

const cache = new Map<string, KernelSpec<AdamwParam>>();

export function adamwKernel(vec4: boolean, scaled: boolean): KernelSpec<AdamwParam> {
  const key = `${vec4}-${scaled}`;
  let spec = cache.get(key);
  if (!spec) {
    const t = vec4 ? 'vec4<f32>' : 'f32';
    spec = kernel<AdamwParam>({
      name: `adamw${vec4 ? '_v4' : ''}${scaled ? '_scaled' : ''}`,
      bindings: [
        { name: 'param', type: t, access: 'read_write' },
        { name: 'grad', type: t, access: 'read' },
        { name: 'exp_avg', type: t, access: 'read_write' },
        { name: 'exp_avg_sq', type: t, access: 'read_write' },
        ...(scaled ? [{ name: 'scale', type: 'f32', access: 'read' as const }] : []),
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'decay', type: 'f32' },
        { name: 'beta1', type: 'f32' },
        { name: 'one_minus_beta1', type: 'f32' },
        { name: 'beta2', type: 'f32' },
        { name: 'one_minus_beta2', type: 'f32' },
        { name: 'step_size', type: 'f32' },
        { name: 'bc2_sqrt', type: 'f32' },
        { name: 'eps', type: 'f32' },
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
  let g = grad[i]${scaled ? ' * scale[0]' : ''};
  let p = param[i] * params.decay;
  let m = exp_avg[i] * params.beta1 + g * params.one_minus_beta1;
  let v = exp_avg_sq[i] * params.beta2 + (g * g) * params.one_minus_beta2;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  let denom = sqrt(v) / params.bc2_sqrt + ${t}(params.eps);
  param[i] = p - params.step_size * (m / denom);
}
`,
    });
    cache.set(key, spec);
  }
  return spec;
}

export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Uniform values for one update at `step` (1-based, counted per parameter). */
export function adamwParamValues(h: AdamwHyper, step: number, n: number): Record<AdamwParam, number> {
  const bc1 = 1 - h.beta1 ** step;
  const bc2 = 1 - h.beta2 ** step;
  return {
    n,
    decay: 1 - h.lr * h.weightDecay,
    beta1: h.beta1,
    one_minus_beta1: 1 - h.beta1,
    beta2: h.beta2,
    one_minus_beta2: 1 - h.beta2,
    step_size: h.lr / bc1,
    bc2_sqrt: Math.sqrt(bc2),
    eps: h.eps,
  };
}

/** Float64 reference of one AdamW step; returns new [param, exp_avg, exp_avg_sq]. */
export function adamwReference(
  param: readonly number[],
  grad: readonly number[],
  expAvg: readonly number[],
  expAvgSq: readonly number[],
  h: AdamwHyper,
  step: number,
  gradScale = 1,
): [number[], number[], number[]] {
  const bc1 = 1 - h.beta1 ** step;
  const bc2 = 1 - h.beta2 ** step;
  const p: number[] = [];
  const m: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! * gradScale;
    m.push(h.beta1 * expAvg[i]! + (1 - h.beta1) * g);
    v.push(h.beta2 * expAvgSq[i]! + (1 - h.beta2) * g * g);
    const decayed = param[i]! * (1 - h.lr * h.weightDecay);
    p.push(decayed - (h.lr / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + h.eps)));
  }
  return [p, m, v];
}
