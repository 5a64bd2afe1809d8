/**
 * CPU-adapter variant of shaders/matmul/sum-outer-inner.ts (see shaders/core/serial.ts):
 * out[c] = sum over o < O, i < I of x[(o * C + c) * I + i] for a dense x viewed as [O, C, I],
 * one invocation per channel c walking its O runs of I consecutive values; no workgroup memory.
 * Reference: sumOuterInnerReference in shaders/matmul/reference.ts.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { SERIAL_WG } from '../core/serial.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

export const sumOuterInnerSerialKernel: KernelSpec = kernel({
  name: 'sum_outer_inner_serial',
  bindings: [
    { name: 'x', type: 'f32', access: 'read' },
    { name: 'out', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'O', type: 'u32' },
    { name: 'C', type: 'u32' },
    { name: 'I', type: 'u32' },
  ],
  workgroupSize: [SERIAL_WG, 1, 1],
  body: `
${flatEntryWgsl('c', 'params.C')}
  var acc = 0.0;
  for (var o = 0u; o < params.O; o++) {
    let base = (o * params.C + c) * params.I;
    var run = 0.0;
    for (var i = 0u; i < params.I; i++) { run += x[base + i]; }
    acc += run;
  }
  out[c] = acc;
}
`,
});
