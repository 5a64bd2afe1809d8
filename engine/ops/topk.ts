/**
 * torch.topk: the k largest (or smallest) elements along a dim, with their i32 indices.
 *
 * Deterministic where PyTorch leaves the choice open (shaders/topk/reference.ts is the
 * contract): among equal values the lower index is taken first; -0 equals +0; NaN ranks above
 * +inf (taken first by `largest`, last otherwise), as in PyTorch. `sorted` (the default, as in
 * PyTorch) orders the result best first, ties by index; `sorted: false` returns the taken
 * elements in increasing index order (PyTorch's unsorted order is unspecified).
 *
 * One dispatch selects (radix select per row, shaders/topk/select.ts); `sorted` adds one that
 * sorts the k taken elements (shaders/topk/sort.ts). Both are one workgroup per row on GPUs and
 * one invocation per row on CPU adapters (useSerialKernels). The values' gradient goes to the
 * taken positions; the indices have none.
 */
import { SORT_SHARED, topkSortKernel } from '../../shaders/topk/sort.js';
import { topkGradKernel } from '../../shaders/topk/grad.js';
import { TOPK_SERIAL_WG, topkSelectKernel } from '../../shaders/topk/select.js';
import { foldGrid } from '../commands.js';
import { needsGrad, noGrad, recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous, zeros } from './copy.js';
import { useSerialKernels } from './reduce-policy.js';
import { permute, reshape } from './view.js';

export interface TopkOptions {
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Best first, ties by index (default); false: in increasing index order. */
  sorted?: boolean;
}

export interface TopkResult {
  values: Tensor;
  /** i32 positions along `dim`. */
  indices: Tensor;
}

/** Workgroup memory of the select kernel besides the key cache (histogram, scan, pick). */
const SELECT_SCRATCH_BYTES = 4096;

/** Key-cache sizes compiled for the select kernel (few variants: each is a pipeline compile). */
const KEY_CACHE_SIZES = [1024, 2048, 3072, 4096, 6144, 8192];

/** Keys cached in workgroup memory for rows of m: the smallest size that holds m and fits, else 0. */
function keyCacheSize(m: number): number {
  const limit = engine().gpu.limits.maxComputeWorkgroupStorageSize;
  const fits = (size: number) => size * 4 + SELECT_SCRATCH_BYTES <= limit;
  return KEY_CACHE_SIZES.find((size) => size >= m && fits(size)) ?? 0;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Top-k of the rows of a dense [rows, m] tensor: values and indices, dense [rows, k]. */
function topkRows(x: Tensor, rows: number, m: number, k: number, largest: boolean, sorted: boolean) {
  const values = Tensor.empty([rows, k], x.dtype);
  const indices = Tensor.empty([rows, k], 'i32');
  if (rows === 0 || k === 0) return { values, indices };
  const serial = useSerialKernels();
  const maxDim = engine().gpu.limits.maxComputeWorkgroupsPerDimension;
  const grid = foldGrid(serial ? Math.ceil(rows / TOPK_SERIAL_WG) : rows, maxDim);
  const buffers = [{ buffer: x.buffer }, { buffer: values.buffer }, { buffer: indices.buffer }];
  const params = { rows, m, k, largest: largest ? 1 : 0 };
  const describe = () => `topk k=${k} ${largest ? 'largest' : 'smallest'} of ${x.describe()}`;
  const select = serial
    ? topkSelectKernel({ dtype: x.dtype, shape: 'serial', cacheKeys: 0 })
    : topkSelectKernel({ dtype: x.dtype, shape: 'workgroup', cacheKeys: keyCacheSize(m) });
  engine().stream.dispatch(select, buffers, params, grid, describe);
  if (sorted && k > 1) {
    const shape = serial ? 'serial' : k <= SORT_SHARED ? 'shared' : 'global';
    engine().stream.dispatch(
      topkSortKernel({ dtype: x.dtype, shape }),
      buffers,
      { ...params, k_pow2: nextPow2(k) },
      grid,
      describe,
    );
  }
  return { values, indices };
}

/** g [rows, k] scattered to the taken positions of zeros [rows, m]. */
function topkGrad(g: Tensor, indices: Tensor, rows: number, m: number, k: number): Tensor {
  const out = zeros([rows, m]);
  const dense = contiguous(g);
  engine().stream.dispatch1D(
    topkGradKernel,
    [{ buffer: dense.buffer }, { buffer: indices.buffer }, { buffer: out.buffer }],
    { n: rows * k, m, k },
    rows * k,
    () => `topk backward ${g.describe()} into [${rows}, ${m}]`,
  );
  if (dense !== g) dense.dispose();
  return out;
}

/**
 * The k largest (or smallest) elements of x along `dim` and their i32 indices; both have x's
 * shape with `dim` of size k. f32, i32 or u32; 0 ≤ k ≤ x.shape[dim].
 */
export function topk(x: Tensor, k: number, dim = -1, options: TopkOptions = {}): TopkResult {
  const { largest = true, sorted = true } = options;
  if (x.ndim === 0) {
    const r = topk(reshape(x, [1]), k, 0, options);
    return { values: reshape(r.values, []), indices: reshape(r.indices, []) };
  }
  const axis = normalizeAxis(dim, x.ndim, `topk ${x.describe()}`);
  const m = x.shape[axis]!;
  if (!Number.isInteger(k) || k < 0 || k > m) {
    throw new ShapeError(`topk: k ${k} out of range for dim ${axis} of ${x.describe()}`);
  }
  // The selected dim last (a permuted view; contiguous() copies only when it is not dense).
  const order = x.shape.map((_, i) => i).filter((i) => i !== axis);
  order.push(axis);
  const last = axis === x.ndim - 1;
  const inverse = order.map((_, i) => order.indexOf(i));
  const outer = order.slice(0, -1).map((i) => x.shape[i]!);
  const rows = outer.reduce((a, b) => a * b, 1);
  // x's dim order again: a view of a dense [rows, k] or [rows, m] result.
  const restore = (t: Tensor, size: number): Tensor => {
    const r = reshape(t, [...outer, size]);
    if (last) return r;
    const p = permute(r, inverse);
    r.dispose();
    return p;
  };
  const raw = noGrad(() => {
    const moved = last ? x : permute(x, order);
    const dense = contiguous(moved);
    const result = topkRows(dense, rows, m, k, largest, sorted);
    if (dense !== x) dense.dispose();
    if (moved !== x) moved.dispose();
    return result;
  });
  const values = noGrad(() => restore(raw.values, k));
  const indices = noGrad(() => restore(raw.indices, k));
  raw.values.dispose(); // the views keep the storage
  if (x.dtype !== 'f32' || !needsGrad(x)) {
    raw.indices.dispose();
    return { values, indices };
  }
  recordOp(values, 'topk', [x], (g) => {
    const gRows = reshape(contiguous(last ? g : permute(g, order)), [rows, k]);
    const scattered = restore(topkGrad(gRows, raw.indices, rows, m, k), m);
    return [contiguous(scattered)];
  });
  return { values, indices };
}
