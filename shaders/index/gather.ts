/**
 * torch.gather and its adjoint scatter_add along one axis. The walk runs over the index
 * tensor's shape; the source/destination is addressed by strides except on the indexed axis,
 * where the index value picks the position. index_select is the same kernels with the 1-D
 * indices expanded (stride 0) over the other dimensions.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';
import { atomicAddF32Fn } from './atomic-float.js';
import { dimParams, operandParams, walkStatements } from './axis-walk.js';

const gatherCache = new Map<string, KernelSpec>();

/** out[i] = x[walk(i) with axis := index[i]] as 32-bit words; out-of-range indices give 0. */
export function gatherKernel(rank: number, axis: number): KernelSpec {
  const key = `${rank}:${axis}`;
  let spec = gatherCache.get(key);
  if (!spec) {
    spec = kernel({
      name: `gather_r${rank}_a${axis}`,
      bindings: [
        { name: 'x', type: 'u32', access: 'read' },
        { name: 'index', type: 'i32', access: 'read' },
        { name: 'out', type: 'u32', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'axis_len', type: 'u32' },
        ...dimParams('dim', rank),
        ...operandParams('x', rank),
        ...operandParams('idx', rank),
      ],
      workgroupSize: [256, 1, 1],
      body: `
${flatEntryWgsl('linear')}
${walkStatements('dim', rank, ['x', 'idx'], axis, ['x'])}
  let k = index[idx_at];
  if (k < 0 || u32(k) >= params.axis_len) { out[linear] = 0u; return; }
  out[linear] = x[x_at + u32(k) * params.x_stride${axis}];
}
`,
    });
    gatherCache.set(key, spec);
  }
  return spec;
}

const scatterCache = new Map<string, KernelSpec>();

/**
 * out[walk(i) with axis := index[i]] += src[walk(i)], atomically (CAS for f32). `out` is dense
 * and already holds the base values; out-of-range indices are skipped. For f32 this is the
 * 'atomic' scatter mode; the default sums in a fixed order (ordered-scatter.ts).
 */
export function scatterAddKernel(rank: number, axis: number, dtype: 'f32' | 'i32'): KernelSpec {
  const key = `${rank}:${axis}:${dtype}`;
  let spec = scatterCache.get(key);
  if (!spec) {
    const add =
      dtype === 'f32' ? `out_atomic_add_f32(at, src[src_at]);` : `atomicAdd(&out[at], src[src_at]);`;
    spec = kernel({
      name: `scatter_add_${dtype}_r${rank}_a${axis}`,
      bindings: [
        { name: 'src', type: dtype, access: 'read' },
        { name: 'index', type: 'i32', access: 'read' },
        { name: 'out', type: dtype === 'f32' ? 'atomic<u32>' : 'atomic<i32>', access: 'read_write' },
      ],
      params: [
        { name: 'n', type: 'u32' },
        { name: 'axis_len', type: 'u32' },
        ...dimParams('dim', rank),
        ...operandParams('src', rank),
        ...operandParams('idx', rank),
        ...operandParams('dst', rank),
      ],
      workgroupSize: [256, 1, 1],
      body: `
${dtype === 'f32' ? atomicAddF32Fn('out') : ''}
${flatEntryWgsl('linear')}
${walkStatements('dim', rank, ['src', 'idx', 'dst'], axis, ['dst'])}
  let k = index[idx_at];
  if (k < 0 || u32(k) >= params.axis_len) { return; }
  let at = dst_at + u32(k) * params.dst_stride${axis};
  ${add}
}
`,
    });
    scatterCache.set(key, spec);
  }
  return spec;
}

/** Multi-index of a row-major linear index. */
function unravel(linear: number, shape: readonly number[]): number[] {
  const coords = new Array<number>(shape.length);
  let rest = linear;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return coords;
}

function ravel(coords: readonly number[], shape: readonly number[]): number {
  let at = 0;
  for (let d = 0; d < shape.length; d++) at = at * shape[d]! + coords[d]!;
  return at;
}

/** torch.gather on dense row-major arrays: out has the index's shape. */
export function gatherReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  axis: number,
  index: ArrayLike<number>,
  indexShape: readonly number[],
): number[] {
  const out = new Array<number>(index.length);
  for (let i = 0; i < index.length; i++) {
    const c = unravel(i, indexShape);
    const k = index[i]!;
    if (k < 0 || k >= xShape[axis]!) {
      out[i] = 0;
      continue;
    }
    c[axis] = k;
    out[i] = x[ravel(c, xShape)]!;
  }
  return out;
}

/** torch.scatter_add (out of place) on dense row-major arrays; src may be larger than index. */
export function scatterAddReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  axis: number,
  index: ArrayLike<number>,
  indexShape: readonly number[],
  src: ArrayLike<number>,
  srcShape: readonly number[],
): number[] {
  const out = Array.from(x);
  for (let i = 0; i < index.length; i++) {
    const c = unravel(i, indexShape);
    const k = index[i]!;
    if (k < 0 || k >= xShape[axis]!) continue;
    const v = src[ravel(c, srcShape)]!;
    c[axis] = k;
    out[ravel(c, xShape)] += v;
  }
  return out;
}

/** torch.index_select on a dense row-major array. */
export function indexSelectReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  axis: number,
  indices: ArrayLike<number>,
): number[] {
  const outer = xShape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = xShape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const len = xShape[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < indices.length; j++) {
      for (let i = 0; i < inner; i++) out.push(x[(o * len + indices[j]!) * inner + i]!);
    }
  }
  return out;
}
