/**
 * Unreduced sigmoid losses (reduction 'none'): out[i] = ℓ(x[i], t[i]) and its fused backward
 * (g·∂ℓ/∂x, and g·∂ℓ/∂t when the targets need a gradient). Dense inputs of equal shape.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { FOCAL_PARAMS, type SigmoidLossMode, sigmoidLossWgsl } from './sigmoid-common.js';

const forwardCache = new Map<SigmoidLossMode, KernelSpec>();

export function sigmoidLossElementwiseKernel(mode: SigmoidLossMode): KernelSpec {
  let spec = forwardCache.get(mode);
  if (!spec) {
    spec = kernel({
      name: `sigmoid_loss_${mode}_none`,
      bindings: [
        { name: 'logits', type: 'f32', access: 'read' },
        { name: 'targets', type: 'f32', access: 'read' },
        { name: 'out', type: 'f32', access: 'read_write' },
      ],
      params: [{ name: 'n', type: 'u32' }, ...FOCAL_PARAMS],
      workgroupSize: [256, 1, 1],
      body: `
${sigmoidLossWgsl(mode)}
${flatEntryWgsl()}
  out[i] = elem_loss(logits[i], targets[i]).x;
}
`,
    });
    forwardCache.set(mode, spec);
  }
  return spec;
}

const backwardCache = new Map<string, KernelSpec>();

export function sigmoidLossElementwiseBackwardKernel(mode: SigmoidLossMode, targetGrad: boolean): KernelSpec {
  const key = `${mode}-${targetGrad}`;
  let spec = backwardCache.get(key);
  if (!spec) {
    spec = kernel({
      name: `sigmoid_loss_${mode}_none_backward${targetGrad ? '_dt' : ''}`,
      bindings: [
        { name: 'logits', type: 'f32', access: 'read' },
        { name: 'targets', type: 'f32', access: 'read' },
        { name: 'upstream', type: 'f32', access: 'read' },
        { name: 'grad_logits', type: 'f32', access: 'read_write' },
        ...(targetGrad ? [{ name: 'grad_targets', type: 'f32', access: 'read_write' as const }] : []),
      ],
      params: [{ name: 'n', type: 'u32' }, ...FOCAL_PARAMS],
      workgroupSize: [256, 1, 1],
      body: `
${sigmoidLossWgsl(mode)}
${flatEntryWgsl()}
  let g = elem_grad(logits[i], targets[i]) * upstream[i];
  grad_logits[i] = g.x;
  ${targetGrad ? 'grad_targets[i] = g.y;' : ''}
}
`,
    });
    backwardCache.set(key, spec);
  }
  return spec;
}
