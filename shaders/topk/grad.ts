/**
 * Backward of top-k values: grad_in [rows, m] (zero-filled beforehand) receives g [rows, k] at
 * the taken indices. The indices of a row are distinct, so every store has its own target: no
 * accumulation, the same bits every run.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

export const topkGradKernel: KernelSpec = kernel({
  name: 'topk_grad_scatter',
  bindings: [
    { name: 'g', type: 'f32', access: 'read' },
    { name: 'idx', type: 'i32', access: 'read' },
    { name: 'grad_in', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'm', type: 'u32' },
    { name: 'k', type: 'u32' },
  ],
  workgroupSize: [256, 1, 1],
  body: `
${flatEntryWgsl()}
  let row = i / params.k;
  grad_in[row * params.m + u32(idx[i])] = g[i];
}
`,
});
