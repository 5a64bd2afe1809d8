/**
 * CPU-adapter variants of the group-norm kernels (see shaders/core/serial.ts): one invocation per
 * (n, g) group (forward, input gradient) or per channel (weight/bias gradient) looping over its
 * values, no workgroup memory or barriers. Same buffers and results as shaders/norm/group-norm.ts.
 * Sums are taken relative to the group's first value, so a large common offset keeps its digits.
 */
import { type KernelSpec, type StorageBinding, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { SERIAL_WG } from '../core/serial.js';

const read = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read' });
const write = (name: string): StorageBinding => ({ name, type: 'f32', access: 'read_write' });

const PARAMS = [
  { name: 'NG', type: 'u32' as const }, // N * G groups
  { name: 'G', type: 'u32' as const },
  { name: 'CG', type: 'u32' as const }, // channels per group
  { name: 'S', type: 'u32' as const }, // spatial size
];

const GROUP_ENTRY = `${flatEntryWgsl('grp', 'params.NG')}
  let len = params.CG * params.S;
  let base = grp * len;
  let c0 = (grp % params.G) * params.CG;
  let lenf = f32(len);`;

const forwardCache = new Map<string, KernelSpec>();

export function groupNormForwardSerialKernel(hasWeight: boolean, hasBias: boolean): KernelSpec {
  const key = `${hasWeight}|${hasBias}`;
  let spec = forwardCache.get(key);
  if (spec) return spec;
  spec = kernel({
    name: `group_norm_fwd_serial${hasWeight ? '_w' : ''}${hasBias ? '_b' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      ...(hasBias ? [read('b')] : []),
      write('y'),
      write('mean_out'),
      write('rstd_out'),
    ],
    params: [...PARAMS, { name: 'eps', type: 'f32' }],
    workgroupSize: [SERIAL_WG, 1, 1],
    body: `
${GROUP_ENTRY}
  let x0 = x[base];
  var s = 0.0;
  for (var j = 0u; j < len; j++) { s += x[base + j] - x0; }
  let mean = x0 + s / lenf;
  var q = 0.0;
  for (var j = 0u; j < len; j++) { let d = x[base + j] - mean; q += d * d; }
  let rstd = inverseSqrt(q / lenf + params.eps);
  // Channel by channel: the affine parameters are loaded once per channel.
  for (var k = 0u; k < params.CG; k++) {
    let c = c0 + k;
    let a = rstd${hasWeight ? ' * w[c]' : ''};
    let shift = ${hasBias ? 'b[c]' : '0.0'};
    let cb = base + k * params.S;
    for (var t = 0u; t < params.S; t++) { y[cb + t] = (x[cb + t] - mean) * a + shift; }
  }
  mean_out[grp] = mean;
  rstd_out[grp] = rstd;
}
`,
  });
  forwardCache.set(key, spec);
  return spec;
}

const inputGradCache = new Map<boolean, KernelSpec>();

export function groupNormInputGradSerialKernel(hasWeight: boolean): KernelSpec {
  let spec = inputGradCache.get(hasWeight);
  if (spec) return spec;
  spec = kernel({
    name: `group_norm_dx_serial${hasWeight ? '_w' : ''}`,
    bindings: [
      read('x'),
      ...(hasWeight ? [read('w')] : []),
      read('dy'),
      read('mean'),
      read('rstd'),
      write('dx'),
    ],
    params: PARAMS,
    workgroupSize: [SERIAL_WG, 1, 1],
    body: `
${GROUP_ENTRY}
  let mu = mean[grp];
  let rs = rstd[grp];
  var sg = 0.0;
  var sgx = 0.0;
  for (var k = 0u; k < params.CG; k++) {
    let wc = ${hasWeight ? 'w[c0 + k]' : '1.0'};
    let cb = base + k * params.S;
    for (var t = 0u; t < params.S; t++) {
      let g = dy[cb + t] * wc;
      sg += g;
      sgx += g * (x[cb + t] - mu) * rs;
    }
  }
  let mg = sg / lenf;
  let mgx = sgx / lenf;
  for (var k = 0u; k < params.CG; k++) {
    let wc = ${hasWeight ? 'w[c0 + k]' : '1.0'};
    let cb = base + k * params.S;
    for (var t = 0u; t < params.S; t++) {
      dx[cb + t] = rs * (dy[cb + t] * wc - mg - (x[cb + t] - mu) * rs * mgx);
    }
  }
}
`,
  });
  inputGradCache.set(hasWeight, spec);
  return spec;
}

/** dw[c] = sum over (n, s) of dy * xhat, db[c] = sum of dy; one invocation per channel. */
export const groupNormParamGradSerialKernel: KernelSpec = kernel({
  name: 'group_norm_dwdb_serial',
  bindings: [read('x'), read('dy'), read('mean'), read('rstd'), write('dw'), write('db')],
  params: [
    { name: 'N', type: 'u32' },
    { name: 'C', type: 'u32' },
    { name: 'G', type: 'u32' },
    { name: 'CG', type: 'u32' },
    { name: 'S', type: 'u32' },
  ],
  workgroupSize: [SERIAL_WG, 1, 1],
  body: `
${flatEntryWgsl('c', 'params.C')}
  let g = c / params.CG;
  var sw = 0.0;
  var sb = 0.0;
  for (var n = 0u; n < params.N; n++) {
    let stat = n * params.G + g;
    let mu = mean[stat];
    let rs = rstd[stat];
    let cb = (n * params.C + c) * params.S;
    var pw = 0.0;
    var pb = 0.0;
    for (var t = 0u; t < params.S; t++) {
      let d = dy[cb + t];
      pw += d * (x[cb + t] - mu);
      pb += d;
    }
    sw += pw * rs;
    sb += pb;
  }
  dw[c] = sw;
  db[c] = sb;
}
`,
});
