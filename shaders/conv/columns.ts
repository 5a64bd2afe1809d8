/**
 * Explicit convolution columns (torch.nn.functional.unfold / fold layouts), for CPU adapters.
 *
 * On SwiftShader every load is a bounds-checked per-lane gather, so the implicit im2col operands
 * (shaders/conv/operands.ts), which decode k and test the padding for every scalar they read,
 * make a 3x3 convolution's GEMM 5-10x slower than a dense GEMM of the same size (measured on the
 * cpu-tiny pixel decoder: 100-200 ms against ~20 ms). There a convolution with enough outputs
 * per group to reuse each column entry (engine/ops/conv-columns.ts: usesExplicitColumns) writes
 * its columns once and runs dense, vec4 GEMMs instead:
 *
 *   unfold   cols[b][c][ky][kx][oy][ox] = x[b][c][oy*sy - py + ky*dy][ox*sx - px + kx*dx] (0 outside)
 *   fold     dx[b][c][iy][ix] = sum of the cols entries that unfold read from (b, c, iy, ix)
 *
 * cols is dense [B, C*kh*kw, OH*OW] (the k = (c, ky, kx) order of the weight's [O, C/G, kh, kw]),
 * so the per-group GEMMs read it with plain strides. fold is unfold's adjoint, written as a
 * gather (each input pixel sums its own taps), so it needs no atomics and is deterministic.
 * The kernel size is baked in; strides, padding and dilation are parameters.
 * References: unfoldReference and foldReference in shaders/conv/reference.ts.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

export const COLUMNS_WG = 64;

const GEOMETRY = ['sy', 'sx', 'py', 'px', 'dy', 'dx'] as const;

function u32Params<N extends string>(names: readonly N[]) {
  return names.map((name) => ({ name, type: 'u32' as const }));
}

const unfoldCache = new Map<string, KernelSpec>();

/**
 * One invocation per column row (b, c, ky, kx, oy): the row's input line and its padding test
 * are worked out once, then its OW entries are copied (zeros where the tap falls outside).
 */
export function unfoldKernel(kh: number, kw: number): KernelSpec {
  const key = `${kh}x${kw}`;
  let spec = unfoldCache.get(key);
  if (!spec) {
    spec = kernel({
      name: `conv_unfold_${key}`,
      bindings: [
        { name: 'x', type: 'f32', access: 'read' },
        { name: 'cols', type: 'f32', access: 'read_write' },
      ],
      params: u32Params(['rows', 'H', 'W', 'OH', 'OW', ...GEOMETRY]),
      workgroupSize: [COLUMNS_WG, 1, 1],
      body: `
const KH: u32 = ${kh}u;
const KW: u32 = ${kw}u;
${flatEntryWgsl('r', 'params.rows')}
  let oy = r % params.OH;
  let t = r / params.OH;
  let kx = t % KW;
  let t2 = t / KW;
  let ky = t2 % KH;
  let plane = (t2 / KH) * params.H * params.W;
  let out = r * params.OW;
  let iy = i32(oy * params.sy + ky * params.dy) - i32(params.py);
  if (iy < 0 || iy >= i32(params.H)) {
    for (var ox = 0u; ox < params.OW; ox++) { cols[out + ox] = 0.0; }
    return;
  }
  let line = plane + u32(iy) * params.W;
  let ix0 = i32(kx * params.dx) - i32(params.px);
  let sx = i32(params.sx);
  let w = i32(params.W);
  for (var ox = 0u; ox < params.OW; ox++) {
    let ix = ix0 + i32(ox) * sx;
    let inside = ix >= 0 && ix < w;
    cols[out + ox] = select(0.0, x[select(line, line + u32(ix), inside)], inside);
  }
}
`,
    });
    unfoldCache.set(key, spec);
  }
  return spec;
}

const foldCache = new Map<string, KernelSpec>();

/**
 * One invocation per input element: the sum over the kh*kw taps that read it. With stride 1
 * every tap lands on an output pixel (no divisibility test, no division).
 */
export function foldKernel(kh: number, kw: number, unitStride: boolean): KernelSpec {
  const key = `${kh}x${kw}${unitStride ? 's1' : ''}`;
  let spec = foldCache.get(key);
  if (!spec) {
    const locate = unitStride
      ? `let oy = ny;
      let ox = nx;
      let ok = ny >= 0 && nx >= 0 && oy < oh && ox < ow;`
      : `let oy = ny / sy;
      let ox = nx / sx;
      let ok = ny >= 0 && nx >= 0 && oy * sy == ny && ox * sx == nx && oy < oh && ox < ow;`;
    spec = kernel({
      name: `conv_fold_${key}`,
      bindings: [
        { name: 'cols', type: 'f32', access: 'read' },
        { name: 'dx', type: 'f32', access: 'read_write' },
      ],
      params: u32Params(['n', 'H', 'W', 'OH', 'OW', ...GEOMETRY]),
      workgroupSize: [COLUMNS_WG, 1, 1],
      body: `
const KH: u32 = ${kh}u;
const KW: u32 = ${kw}u;
${flatEntryWgsl('e', 'params.n')}
  let ix = e % params.W;
  let t = e / params.W;
  let iy = t % params.H;
  let plane_len = params.OH * params.OW;
  let base = (t / params.H) * KH * KW * plane_len;
  let oh = i32(params.OH);
  let ow = i32(params.OW);
  let sy = i32(params.sy);
  let sx = i32(params.sx);
  var acc = 0.0;
  for (var ky = 0u; ky < KH; ky++) {
    let ny = i32(iy + params.py) - i32(ky * params.dy);
    for (var kx = 0u; kx < KW; kx++) {
      let nx = i32(ix + params.px) - i32(kx * params.dx);
      ${locate}
      let src = base + (ky * KW + kx) * plane_len + u32(oy) * params.OW + u32(ox);
      acc += select(0.0, cols[select(base, src, ok)], ok);
    }
  }
  dx[e] = acc;
}
`,
    });
    foldCache.set(key, spec);
  }
  return spec;
}
