/**
 * Implicit-GEMM operands for 2-D convolution (NCHW). A convolution and both of its gradients are
 * GEMMs whose operands are gathered on the fly from the image, the weight or the output
 * gradient, so they run on the same tuned kernels as matmul (shaders/matmul/) and never
 * materialise an im2col matrix. The kernel size is baked in (constant divisors, unrollable
 * loops); strides, padding and dilation are parameters. Per group g and image b:
 *
 *   forward       out[b,g] (Cout/G x OH*OW)  = W[g] (Cout/G x Cin/G*kh*kw) · im2col(x[b,g])
 *   input grad    dx[b,g]  (Cin/G x H*W)     = W[g]ᵀ                          · col2im-gather(dy[b,g])
 *   weight grad   dW[g]    (Cout/G x Cin/G*kh*kw) = dy[:,g] (Cout/G x B*OH*OW) · im2col(x[:,g])ᵀ
 *
 * The input gradient gathers (for each input pixel, the output pixels whose window covers it),
 * so every output element is written by exactly one invocation: no atomics.
 */
import type { GemmOperand } from '../matmul/gemm-operand.js';

function u32Params(names: readonly string[]) {
  return names.map((name) => ({ name, type: 'u32' as const }));
}

function kernelConsts(p: string, kh: number, kw: number): string {
  return `const ${p.toUpperCase()}_KHW: u32 = ${kh * kw}u;\nconst ${p.toUpperCase()}_KW: u32 = ${kw}u;`;
}

/** Forward B: im2col(x)[k = (ci, ky, kx)][n = (oy, ox)] of batch zb = b*G + g. */
export function im2colOperand(kh: number, kw: number): GemmOperand {
  return {
    key: `im2col${kh}x${kw}`,
    bindings: [{ name: 'b', type: 'f32', access: 'read' }],
    params: u32Params(['b_zstride', 'b_h', 'b_w', 'b_ow', 'b_sy', 'b_sx', 'b_py', 'b_px', 'b_dy', 'b_dx']),
    vec: 'none',
    wgsl: `
${kernelConsts('b', kh, kw)}
struct b_line_t { iy0: i32, ix0: i32 }
struct b_k_t { coff: u32, ky: i32, kx: i32 }
fn b_base(zb: u32) -> u32 { return zb * params.b_zstride; }
fn b_line(n: u32) -> b_line_t {
  let oy = n / params.b_ow;
  let ox = n - oy * params.b_ow;
  return b_line_t(i32(oy * params.b_sy) - i32(params.b_py), i32(ox * params.b_sx) - i32(params.b_px));
}
fn b_kinfo(k: u32) -> b_k_t {
  let ci = k / B_KHW;
  let r = k - ci * B_KHW;
  let ky = r / B_KW;
  return b_k_t(ci * params.b_h * params.b_w, i32(ky * params.b_dy), i32((r - ky * B_KW) * params.b_dx));
}
fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  let iy = line.iy0 + kk.ky;
  let ix = line.ix0 + kk.kx;
  let inside = iy >= 0 && ix >= 0 && iy < i32(params.b_h) && ix < i32(params.b_w);
  let e = base + kk.coff + u32(iy) * params.b_w + u32(ix);
  return select(0.0, b[select(base, e, inside)], inside);
}
`,
  };
}

/** Input-gradient A: W[g*Cout/G + co][ci][ky][kx] as [m = ci][k = (co, ky, kx)] of group zb % G. */
export function weightTransposedOperand(kh: number, kw: number): GemmOperand {
  return {
    key: `wt${kh}x${kw}`,
    bindings: [{ name: 'a', type: 'f32', access: 'read' }],
    params: u32Params(['a_groups', 'a_gstride', 'a_costride']),
    vec: 'none',
    wgsl: `
${kernelConsts('a', kh, kw)}
alias a_line_t = u32;
alias a_k_t = u32;
fn a_base(zb: u32) -> u32 { return (zb % params.a_groups) * params.a_gstride; }
fn a_line(m: u32) -> u32 { return m * A_KHW; }
fn a_kinfo(k: u32) -> u32 {
  let co = k / A_KHW;
  return co * params.a_costride + (k - co * A_KHW);
}
fn a_load(base: u32, line: u32, kinfo: u32) -> f32 { return a[base + line + kinfo]; }
`,
  };
}

/**
 * Input-gradient B: for input pixel n = (iy, ix) and k = (co, ky, kx), dy[b, g*Cout/G + co, oy, ox]
 * where iy = oy*sy - py + ky*dy (same for x), or 0 when no such output pixel exists.
 */
export function col2imGatherOperand(kh: number, kw: number, unitStride: boolean): GemmOperand {
  // With stride 1 every tap lands on an output pixel: no divisibility test, no division.
  const locate = unitStride
    ? `let oy = ny;
  let ox = nx;
  let ok = ny >= 0 && nx >= 0 && oy < i32(params.b_oh) && ox < i32(params.b_ow);`
    : `let sy = i32(params.b_sy);
  let sx = i32(params.b_sx);
  let oy = ny / sy;
  let ox = nx / sx;
  let ok = ny >= 0 && nx >= 0 && oy * sy == ny && ox * sx == nx && oy < i32(params.b_oh) && ox < i32(params.b_ow);`;
  return {
    key: `c2i${kh}x${kw}${unitStride ? 's1' : ''}`,
    bindings: [{ name: 'b', type: 'f32', access: 'read' }],
    params: u32Params(['b_zstride', 'b_w', 'b_oh', 'b_ow', 'b_sy', 'b_sx', 'b_py', 'b_px', 'b_dy', 'b_dx']),
    vec: 'none',
    wgsl: `
${kernelConsts('b', kh, kw)}
struct b_line_t { ty: i32, tx: i32 }
struct b_k_t { coff: u32, ky: i32, kx: i32 }
fn b_base(zb: u32) -> u32 { return zb * params.b_zstride; }
fn b_line(n: u32) -> b_line_t {
  let iy = n / params.b_w;
  return b_line_t(i32(iy + params.b_py), i32(n - iy * params.b_w + params.b_px));
}
fn b_kinfo(k: u32) -> b_k_t {
  let co = k / B_KHW;
  let r = k - co * B_KHW;
  let ky = r / B_KW;
  return b_k_t(co * params.b_oh * params.b_ow, i32(ky * params.b_dy), i32((r - ky * B_KW) * params.b_dx));
}
fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  let ny = line.ty - kk.ky;
  let nx = line.tx - kk.kx;
  ${locate}
  let e = base + kk.coff + u32(oy) * params.b_ow + u32(ox);
  return select(0.0, b[select(base, e, ok)], ok);
}
`,
  };
}

/**
 * Rows that continue across images: element (outer, k = (b, q)) of batch zb at
 * zb*gstride + outer*q_len + b*bstride + q, with q < q_len. Weight-gradient A reads dy this way:
 * dy[b][g*Cout/G + m][p] as [m][k = (b, p)] of group zb, q_len = P = OH*OW. On CPU adapters
 * weight-gradient B reads explicit columns (shaders/conv/columns.ts) the same way:
 * cols[b][g*Cin/G*kh*kw + n][p] as [k = (b, p)][n]. With vec4 (q_len % 4 == 0) four consecutive
 * k never cross an image, so they are one 16-byte read.
 */
export function imageRowsOperand(p: 'a' | 'b', vec4: boolean): GemmOperand {
  const read = vec4 ? `${p}[e >> 2u][e & 3u]` : `${p}[e]`;
  const outer = p === 'a' ? 'm' : 'n';
  let wgsl = `
alias ${p}_line_t = u32;
alias ${p}_k_t = u32;
fn ${p}_base(zb: u32) -> u32 { return zb * params.${p}_gstride; }
fn ${p}_line(${outer}: u32) -> u32 { return ${outer} * params.${p}_p; }
fn ${p}_kinfo(k: u32) -> u32 {
  let bi = k / params.${p}_p;
  return bi * params.${p}_bstride + (k - bi * params.${p}_p);
}
fn ${p}_load(base: u32, line: u32, kinfo: u32) -> f32 { let e = base + line + kinfo; return ${read}; }
`;
  if (vec4) {
    wgsl += `fn ${p}_load4(base: u32, line: u32, k: u32) -> vec4<f32> { return ${p}[(base + line + ${p}_kinfo(k)) >> 2u]; }\n`;
  }
  // 'gy': the output gradient (kernel names as before); 'col': explicit columns.
  const name = p === 'a' ? 'gy' : 'col';
  return {
    key: `${name}${vec4 ? 'k' : 'n'}`,
    bindings: [{ name: p, type: vec4 ? 'vec4<f32>' : 'f32', access: 'read' }],
    params: u32Params([`${p}_gstride`, `${p}_p`, `${p}_bstride`]),
    vec: vec4 ? 'k' : 'none',
    wgsl,
  };
}

/** Weight-gradient A: dy[b][g*Cout/G + m][p] as [m][k = (b, p)] of group zb (see imageRowsOperand). */
export function gradRowsOperand(vec4: boolean): GemmOperand {
  return imageRowsOperand('a', vec4);
}

/** Weight-gradient B: im2col(x[:, g])ᵀ as [k = (b, oy, ox)][n = (ci, ky, kx)] of group zb. */
export function im2colTransposedOperand(kh: number, kw: number): GemmOperand {
  return {
    key: `i2ct${kh}x${kw}`,
    bindings: [{ name: 'b', type: 'f32', access: 'read' }],
    params: u32Params([
      'b_gstride',
      'b_bstride',
      'b_h',
      'b_w',
      'b_p',
      'b_ow',
      'b_sy',
      'b_sx',
      'b_py',
      'b_px',
      'b_dy',
      'b_dx',
    ]),
    vec: 'none',
    wgsl: `
${kernelConsts('b', kh, kw)}
struct b_line_t { coff: u32, iy_off: i32, ix_off: i32 }
struct b_k_t { boff: u32, iy: i32, ix: i32 }
fn b_base(zb: u32) -> u32 { return zb * params.b_gstride; }
fn b_line(n: u32) -> b_line_t {
  let ci = n / B_KHW;
  let r = n - ci * B_KHW;
  let ky = r / B_KW;
  let kx = r - ky * B_KW;
  return b_line_t(ci * params.b_h * params.b_w, i32(ky * params.b_dy) - i32(params.b_py),
                  i32(kx * params.b_dx) - i32(params.b_px));
}
fn b_kinfo(k: u32) -> b_k_t {
  let bi = k / params.b_p;
  let p = k - bi * params.b_p;
  let oy = p / params.b_ow;
  return b_k_t(bi * params.b_bstride, i32(oy * params.b_sy), i32((p - oy * params.b_ow) * params.b_sx));
}
fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  let iy = kk.iy + line.iy_off;
  let ix = kk.ix + line.ix_off;
  let inside = iy >= 0 && ix >= 0 && iy < i32(params.b_h) && ix < i32(params.b_w);
  let e = base + kk.boff + line.coff + u32(iy) * params.b_w + u32(ix);
  return select(0.0, b[select(base, e, inside)], inside);
}
`,
  };
}
