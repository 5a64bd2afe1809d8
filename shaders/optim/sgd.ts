/**
 * Fused SGD update, one dispatch per parameter, PyTorch semantics:
 *   d = g + wd·p;  with momentum: buf ← d on the first step, else buf ← μ·buf + (1−dampening)·d;
 *   d = nesterov ? d + μ·buf : buf;  p ← p − lr·d.
 * With `scaled`, g is multiplied by scale[0] first (clip-by-global-norm factor on the GPU).
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

export type SgdParam =
  'n' | 'lr' | 'weight_decay' | 'momentum' | 'one_minus_dampening' | 'first' | 'nesterov';

const cache = new Map<string, KernelSpec<SgdParam>>();

export function sgdKernel(vec4: boolean, scaled: boolean, withMomentum: boolean): KernelSpec<SgdParam> {
  const key = `${vec4}-${scaled}-${withMomentum}`;
  let spec = cache.get(key);
  if (!spec) {
    const t = vec4 ? 'vec4<f32>' : 'f32';
    const momentumCode = withMomentum
      ? `
  var buf = d;
  if (params.first == 0u) {
    buf = momentum_buf[i] * params.momentum + d * params.one_minus_dampening;
  }
  momentum_buf[i] = buf;
  if (params.nesterov != 0u) { d = d + buf * params.momentum; } else { d = buf; }`
      : '';
    spec = kernel<SgdParam>({
      name: `sgd${withMomentum ? '_momentum' : ''}${vec4 ? '_v4' : ''}${scaled ? '_scaled' : ''}`,
      bindings: [
        { name: 'param', type: t, access: 'read_write' },
        { name: 'grad', type: t, access: 'read' },
        ...(withMomentum ? [{ name: 'momentum_buf', type: t, access: 'read_write' as const }] : []),
        ...(scaled ? [{ name: 'scale', type: 'f32', access: 'read' as const }] : []),
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'lr', type: 'f32' },
        { name: 'weight_decay', type: 'f32' },
        { name: 'momentum', type: 'f32' },
        { name: 'one_minus_dampening', type: 'f32' },
        { name: 'first', type: 'u32' },
        { name: 'nesterov', type: 'u32' },
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl()}
  let p = param[i];
  var d = grad[i]${scaled ? ' * scale[0]' : ''};
  if (params.weight_decay != 0.0) { d = d + p * params.weight_decay; }${momentumCode}
  param[i] = p - d * params.lr;
}
`,
    });
    cache.set(key, spec);
  }
  return spec;
}

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Float64 reference of one SGD step; returns new [param, momentum buffer]. */
export function sgdReference(
  param: readonly number[],
  grad: readonly number[],
  buf: readonly number[] | null,
  h: SgdHyper,
  gradScale = 1,
): [number[], number[] | null] {
  const p: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < param.length; i++) {
    let d = grad[i]! * gradScale + h.weightDecay * param[i]!;
    if (h.momentum !== 0) {
      const nb = buf ? h.momentum * buf[i]! + (1 - h.dampening) * d : d;
      b.push(nb);
      d = h.nesterov ? d + h.momentum * nb : nb;
    }
    p.push(param[i]! - h.lr * d);
  }
  return [p, h.momentum !== 0 ? b : null];
}
