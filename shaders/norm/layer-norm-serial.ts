/**
 * CPU-adapter variants of the layer-norm kernels (see shaders/core/serial.ts): one invocation per
 * row (forward, input gradient) or per column (weight/bias gradient) looping over its values, no
 * workgroup memory or barriers. Same results and buffers as shaders/norm/layer-norm.ts, except
 * that the weight/bias gradient is written as [C] in one pass (no row chunks).
 *
 * Sums start from the row's first value (sum of x - x0, then mean = x0 + that / C), so a large
 * common offset does not cost the serial f32 sum its digits; the variance is two-pass as on GPUs.
 */
import { type KernelSpec, type StorageBinding, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { SERIAL_WG } from '../core/serial.js';

const read = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read' });
const write = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read_write' });

const forwardCache = new Map<string, KernelSpec>();

export function layerNormForwardSerialKernel(hasWeight: boolean, hasBias: boolean): KernelSpec {
  const key = `${hasWeight}|${hasBias}`;
  let spec = forwardCache.get(key);
  if (spec) return spec;
  const scale = hasWeight ? ' * w[j]' : '';
  const shift = hasBias ? ' + b[j]' : '';
  spec = kernel({
    name: `layer_norm_fwd_serial${hasWeight ? '_w' : ''}${hasBias ? '_b' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      ...(hasBias ? [read('b')] : []),
      write('y'),
      write('mean_out'),
      write('rstd_out'),
    ],
    params: [
      { name: 'R', type: 'u32' },
      { name: 'C', type: 'u32' },
      { name: 'eps', type: 'f32' },
    ],
    workgroupSize: [SERIAL_WG, 1, 1],
    body: `
${flatEntryWgsl('row', 'params.R')}
  let base = row * params.C;
  let cf = f32(params.C);
  let x0 = x[base];
  var s = 0.0;
  for (var j = 0u; j < params.C; j++) { s += x[base + j] - x0; }
  let mean = x0 + s / cf;
  var q = 0.0;
  for (var j = 0u; j < params.C; j++) { let d = x[base + j] - mean; q += d * d; }
  let rstd = inverseSqrt(q / cf + params.eps);
  for (var j = 0u; j < params.C; j++) { y[base + j] = (x[base + j] - mean) * rstd${scale}${shift}; }
  mean_out[row] = mean;
  rstd_out[row] = rstd;
}
`,
  });
  forwardCache.set(key, spec);
  return spec;
}

const inputGradCache = new Map<boolean, KernelSpec>();

export function layerNormInputGradSerialKernel(hasWeight: boolean): KernelSpec {
  let spec = inputGradCache.get(hasWeight);
  if (spec) return spec;
  const gw = hasWeight ? 'dy[base + j] * w[j]' : 'dy[base + j]';
  spec = kernel({
    name: `layer_norm_dx_serial${hasWeight ? '_w' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      read('dy'),
      read('mean'),
      read('rstd'),
      write('dx'),
    ],
    params: [
      { name: 'R', type: 'u32' },
      { name: 'C', type: 'u32' },
    ],
    workgroupSize: [SERIAL_WG, 1, 1],
    body: `
${flatEntryWgsl('row', 'params.R')}
  let base = row * params.C;
  let cf = f32(params.C);
  let mu = mean[row];
  let rs = rstd[row];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = 0u; j < params.C; j++) {
    let g = ${gw};
    sg += g;
    sgx += g * (x[base + j] - mu) * rs;
  }
  let mg = sg / cf;
  let mgx = sgx / cf;
  for (var j = 0u; j < params.C; j++) {
    let g = ${gw};
    dx[base + j] = rs * (g - mg - (x[base + j] - mu) * rs * mgx);
  }
}
`,
  });
  inputGradCache.set(hasWeight, spec);
  return spec;
}

/** dw[c] = sum over rows of dy * xhat, db[c] = sum of dy; one invocation per column. */
export const layerNormParamGradSerialKernel: KernelSpec = kernel({
  name: 'layer_norm_dwdb_serial',
  bindings: [read('x'), read('dy'), read('mean'), read('rstd'), write('dw'), write('db')],
  params: [
    { name: 'R', type: 'u32' },
    { name: 'C', type: 'u32' },
  ],
  workgroupSize: [SERIAL_WG, 1, 1],
  body: `
${flatEntryWgsl('col', 'params.C')}
  var sw = 0.0;
  var sb = 0.0;
  for (var r = 0u; r < params.R; r++) {
    let e = r * params.C + col;
    let g = dy[e];
    sw += g * (x[e] - mean[r]) * rstd[r];
    sb += g;
  }
  dw[col] = sw;
  db[col] = sb;
}
`,
});
