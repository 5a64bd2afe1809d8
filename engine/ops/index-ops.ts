/**
 * Indexing along an axis: gather, index_select, scatter_add, one_hot, cumsum.
 *
 * Index tensors are i32 (u32 is read as the same bits); an index outside [0, size) reads as 0
 * in gather/index_select, is skipped by scatter_add and gives an all-zero row in one_hot
 * (PyTorch raises instead; a kernel cannot, so out-of-range is defined rather than undefined).
 */
import { gatherKernel, scatterAddKernel } from '../../shaders/index/gather.js';
import {
  inverseIndexCountKernel,
  inverseIndexPlaceKernel,
  inverseIndexSortKernel,
} from '../../shaders/index/inverse-index.js';
import {
  indexAddRowsKernel,
  scatterAddOrderedKernel,
  scatterDestKernel,
} from '../../shaders/index/ordered-scatter.js';
import { dimValues, operandValues } from '../../shaders/index/axis-walk.js';
import { oneHotKernel } from '../../shaders/index/one-hot.js';
import { blockSumKernel, columnScanKernel, rowScanKernel } from '../../shaders/index/cumsum.js';
import { noGrad, recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { contiguousStrides, formatShape, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { clone, contiguous, writeInto, zeros } from './copy.js';
import { scatterMode } from './scatter-mode.js';
import { useSerialKernels } from './reduce-policy.js';

function checkIndexDtype(index: Tensor, op: string): void {
  if (index.dtype !== 'i32' && index.dtype !== 'u32') {
    throw new ShapeError(`${op}: index ${index.describe()} must be i32 or u32`);
  }
}

function checkIndexShape(op: string, x: Tensor, axis: number, index: Tensor, other?: Tensor): void {
  if (index.ndim !== x.ndim || x.ndim === 0) {
    throw new ShapeError(
      `${op}: index ${index.describe()} must have the rank of ${x.describe()} (at least 1)`,
    );
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== axis && index.shape[d]! > x.shape[d]!) {
      throw new ShapeError(`${op}: index ${index.describe()} is larger than ${x.describe()} on dim ${d}`);
    }
    if (other && index.shape[d]! > other.shape[d]!) {
      throw new ShapeError(
        `${op}: index ${index.describe()} is larger than src ${other.describe()} on dim ${d}`,
      );
    }
  }
}

/** gather without autograd: out (index's shape) from any layout of x and index. */
function gatherRaw(x: Tensor, axis: number, index: Tensor): Tensor {
  const out = Tensor.empty(index.shape, x.dtype);
  const n = out.size;
  if (n === 0) return out;
  engine().stream.dispatch1D(
    gatherKernel(x.ndim, axis),
    [{ buffer: x.buffer }, { buffer: index.buffer }, { buffer: out.buffer }],
    {
      n,
      axis_len: x.shape[axis]!,
      ...dimValues('dim', index.shape),
      ...operandValues('x', x.offset, x.strides),
      ...operandValues('idx', index.offset, index.strides),
    },
    n,
    () => `gather ${x.describe()} axis ${axis} index ${index.describe()}`,
  );
  return out;
}

/** Sources at most this many: the inverse index counts in i32 and names sources by u32 id. */
const MAX_SOURCES = 2 ** 31 - 1;

/**
 * The inverse of a many-to-one index: for every destination d in [0, destinations), the sources
 * i (positions of the 1-D `dest`, i32 or u32, any stride) with dest[i] = d, in increasing order,
 * as keys[ends[d−1] .. ends[d]) (ends inclusive, ends[−1] = 0; both i32 tensors). Values outside
 * [0, destinations) name no destination. The same every run (shaders/index/inverse-index.ts);
 * scatter-adds built on it sum in source order. Not differentiable.
 */
export function inverseIndex(dest: Tensor, destinations: number): { ends: Tensor; keys: Tensor } {
  checkIndexDtype(dest, 'inverse_index');
  if (dest.ndim !== 1) throw new ShapeError(`inverse_index: ${dest.describe()} must be 1-D`);
  const n = dest.shape[0]!;
  if (n > MAX_SOURCES || destinations > MAX_SOURCES) {
    throw new ShapeError(`inverse_index: ${n} sources into ${destinations} destinations is too many`);
  }
  const counts = zeros([destinations], 'i32');
  const keys = Tensor.empty([n], 'i32');
  const stream = engine().stream;
  const describe = () => `inverse_index ${dest.describe()} into ${destinations}`;
  const params = { n, dest_offset: dest.offset, dest_stride: dest.strides[0] ?? 1, bound: destinations };
  stream.dispatch1D(
    inverseIndexCountKernel,
    [{ buffer: dest.buffer }, { buffer: counts.buffer }],
    params,
    n,
    describe,
  );
  const ends = destinations > 0 ? scanRaw(counts, 0, false) : Tensor.empty([0], 'i32');
  stream.dispatch1D(
    inverseIndexPlaceKernel,
    [{ buffer: dest.buffer }, { buffer: ends.buffer }, { buffer: counts.buffer }, { buffer: keys.buffer }],
    params,
    n,
    describe,
  );
  stream.dispatch1D(
    inverseIndexSortKernel,
    [{ buffer: ends.buffer }, { buffer: keys.buffer }],
    { n: destinations },
    n > 0 ? destinations : 0,
    describe,
  );
  counts.dispose();
  return { ends, keys };
}

/** Adds src (walked over index's shape) into the dense tensor `dst` in place, no autograd. */
function scatterAddInPlace(dst: Tensor, axis: number, index: Tensor, src: Tensor): void {
  const n = sizeOf(index.shape);
  if (n === 0) return;
  if (dst.dtype !== 'f32' && dst.dtype !== 'i32') {
    throw new ShapeError(`scatter_add: ${dst.describe()} must be f32 or i32`);
  }
  const describe = () =>
    `scatter_add into ${dst.describe()} axis ${axis} index ${index.describe()} src ${src.describe()}`;
  const walk = {
    ...dimValues('dim', index.shape),
    ...operandValues('src', src.offset, src.strides),
    ...operandValues('idx', index.offset, index.strides),
    ...operandValues('dst', 0, contiguousStrides(dst.shape)),
  };
  // Integer adds are exact in any order: atomics are deterministic for i32.
  if (dst.dtype === 'i32' || scatterMode() === 'atomic') {
    engine().stream.dispatch1D(
      scatterAddKernel(dst.ndim, axis, dst.dtype),
      [{ buffer: src.buffer }, { buffer: index.buffer }, { buffer: dst.buffer }],
      { n, axis_len: dst.shape[axis]!, ...walk },
      n,
      describe,
    );
    return;
  }
  const dest = Tensor.empty([n], 'u32');
  engine().stream.dispatch1D(
    scatterDestKernel(dst.ndim, axis),
    [{ buffer: index.buffer }, { buffer: dest.buffer }],
    { n, axis_len: dst.shape[axis]!, ...walk },
    n,
    describe,
  );
  const { ends, keys } = inverseIndex(dest, dst.size);
  engine().stream.dispatch1D(
    scatterAddOrderedKernel(dst.ndim),
    [{ buffer: src.buffer }, { buffer: keys.buffer }, { buffer: ends.buffer }, { buffer: dst.buffer }],
    { n: dst.size, ...dimValues('dim', index.shape), ...operandValues('src', src.offset, src.strides) },
    dst.size,
    describe,
  );
  for (const t of [dest, ends, keys]) t.dispose();
}

/**
 * index_select's adjoint: gx of `shape` with gx[.., r, ..] = Σ g[.., j, ..] over the j with
 * indices[j] = r along `axis` (indices 1-D). Deterministic mode sums each row's picks in order.
 */
function indexAdd(shape: readonly number[], axis: number, indices: Tensor, g: Tensor): Tensor {
  if (g.dtype !== 'f32' || scatterMode() === 'atomic') {
    const gx = zeros(shape, g.dtype);
    const v = expandedIndices(indices, g.shape, axis);
    scatterAddInPlace(gx, axis, v, g);
    v.dispose();
    return gx;
  }
  const gx = Tensor.empty(shape);
  if (gx.size === 0) return gx;
  const rows = shape[axis]!;
  const picks = indices.shape[0]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const gd = contiguous(g);
  const { ends, keys } = inverseIndex(indices, rows);
  engine().stream.dispatch1D(
    indexAddRowsKernel,
    [{ buffer: gd.buffer }, { buffer: keys.buffer }, { buffer: ends.buffer }, { buffer: gx.buffer }],
    { n: gx.size, rows, inner, picks },
    gx.size,
    () => `index_select backward ${g.describe()} into ${formatShape(shape)} axis ${axis}`,
  );
  if (gd !== g) gd.dispose();
  ends.dispose();
  keys.dispose();
  return gx;
}

/** A gradient of index's shape placed in the leading corner of zeros of `shape`. */
function zeroPadTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const out = zeros(shape, g.dtype);
  const corner = out.view(g.shape, out.strides, 0);
  writeInto(corner, g);
  corner.dispose();
  return out;
}

/** torch.gather: out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`; out has index's shape. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim, `gather ${x.describe()}`);
  checkIndexDtype(index, 'gather');
  checkIndexShape('gather', x, a, index);
  const out = gatherRaw(x, a, index);
  return recordOp(out, 'gather', [x], (g) => {
    const gx = zeros(x.shape, g.dtype);
    scatterAddInPlace(gx, a, index, g);
    return [gx];
  });
}

/**
 * torch.scatter_add (out of place): a copy of x with src[...] added at the positions the index
 * names along `axis`. src may be larger than index (only index's extent is used).
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim, `scatter_add ${x.describe()}`);
  checkIndexDtype(index, 'scatter_add');
  checkIndexShape('scatter_add', x, a, index, src);
  if (src.dtype !== x.dtype) throw new ShapeError(`scatter_add: src ${src.describe()} into ${x.describe()}`);
  const out = noGrad(() => clone(x));
  scatterAddInPlace(out, a, index, src);
  return recordOp(out, 'scatter_add', [x, src], (g) => [
    x.requiresGrad ? g : null,
    src.requiresGrad ? zeroPadTo(gatherRaw(g, a, index), src.shape) : null,
  ]);
}

/** The 1-D indices seen at the output's shape: stride 0 everywhere but `axis`. */
function expandedIndices(indices: Tensor, shape: readonly number[], axis: number): Tensor {
  const strides = shape.map((_, d) => (d === axis ? indices.strides[0]! : 0));
  return indices.view(shape, strides, indices.offset);
}

/** torch.index_select: the slices of x at `indices` (1-D) along `axis`. */
export function indexSelect(x: Tensor, axis: number, indices: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim, `index_select ${x.describe()}`);
  checkIndexDtype(indices, 'index_select');
  if (indices.ndim !== 1) throw new ShapeError(`index_select: indices ${indices.describe()} must be 1-D`);
  const shape = [...x.shape];
  shape[a] = indices.shape[0]!;
  const view = expandedIndices(indices, shape, a);
  const out = gatherRaw(x, a, view);
  view.dispose();
  return recordOp(out, 'index_select', [x], (g) => [indexAdd(x.shape, a, indices, g)]);
}

/** [..., numClasses] with 1 at each index (f32 by default, or i32); not differentiable. */
export function oneHot(indices: Tensor, numClasses: number, dtype: 'f32' | 'i32' = 'f32'): Tensor {
  checkIndexDtype(indices, 'one_hot');
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ShapeError(`one_hot: numClasses ${numClasses} must be a positive integer`);
  }
  const dense = contiguous(indices);
  const out = Tensor.empty([...indices.shape, numClasses], dtype);
  const n = out.size;
  engine().stream.dispatch1D(
    oneHotKernel(dtype),
    [{ buffer: dense.buffer }, { buffer: out.buffer }],
    { n, classes: numClasses },
    n,
    () => `one_hot ${indices.describe()} classes ${numClasses}`,
  );
  if (dense !== indices) dense.dispose();
  return out;
}

/** Rows up to this long are scanned by one workgroup each; longer rows of few rows are split. */
const SCAN_BLOCK = 8192;
const MANY_ROWS = 2048;
const SHORT_ROW = 32;

export interface CumsumOptions {
  /** Sum from the end of the axis (out[i] = sum of x[j] for j >= i). */
  reverse?: boolean;
  /** Split rows into blocks of this length (tuning and tests; by default only long, few rows). */
  blockLength?: number;
}

function scanDtype(t: Tensor): 'f32' | 'i32' {
  if (t.dtype !== 'f32' && t.dtype !== 'i32')
    throw new ShapeError(`cumsum: ${t.describe()} must be f32 or i32`);
  return t.dtype;
}

/** Inclusive scan of each row of the dense [rows, len] data of `x` into `out`. */
function scanRows(
  x: Tensor,
  out: Tensor,
  rows: number,
  len: number,
  reverse: boolean,
  blockLength?: number,
): void {
  const dtype = scanDtype(x);
  const stream = engine().stream;
  const split = blockLength !== undefined ? len > blockLength : len > SCAN_BLOCK && rows < MANY_ROWS;
  const blockLen = split ? (blockLength ?? SCAN_BLOCK) : len;
  const blocks = Math.ceil(len / blockLen);
  const describe = () => `cumsum rows ${rows} x ${len} blocks of ${blockLen}`;
  const scanParams = { rows, len, block_len: blockLen, blocks, reverse: reverse ? 1 : 0 };
  if (blocks === 1) {
    stream.dispatch1D(
      rowScanKernel(dtype),
      [{ buffer: x.buffer }, { buffer: x.buffer }, { buffer: out.buffer }],
      { ...scanParams, has_offsets: 0 },
      rows * 256,
      describe,
    );
    return;
  }
  const sums = Tensor.empty([rows, blocks], dtype);
  stream.dispatch1D(
    blockSumKernel(dtype),
    [{ buffer: x.buffer }, { buffer: sums.buffer }],
    scanParams,
    rows * blocks * 256,
    describe,
  );
  const offsets = Tensor.empty([rows, blocks], dtype);
  scanRows(sums, offsets, rows, blocks, false, blockLength);
  stream.dispatch1D(
    rowScanKernel(dtype),
    [{ buffer: x.buffer }, { buffer: offsets.buffer }, { buffer: out.buffer }],
    { ...scanParams, has_offsets: 1 },
    rows * blocks * 256,
    describe,
  );
  sums.dispose();
  offsets.dispose();
}

function scanRaw(x: Tensor, axis: number, reverse: boolean, blockLength?: number): Tensor {
  scanDtype(x);
  const out = Tensor.empty(x.shape, x.dtype);
  if (out.size === 0) return out;
  const dense = contiguous(x);
  const outer = sizeOf(x.shape.slice(0, axis));
  const len = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  // Short rows would leave most of a scan workgroup idle: one invocation per row walks them.
  // CPU adapters walk every row that way (the workgroup scan's barriers cost ms there).
  const serial = useSerialKernels() && blockLength === undefined;
  if (inner === 1 && !serial && (len > SHORT_ROW || blockLength !== undefined)) {
    scanRows(dense, out, outer, len, reverse, blockLength);
  } else {
    const columns = outer * inner;
    engine().stream.dispatch1D(
      columnScanKernel(scanDtype(x), serial),
      [{ buffer: dense.buffer }, { buffer: out.buffer }],
      { columns, len, inner, reverse: reverse ? 1 : 0 },
      columns,
      () => `cumsum ${x.describe()} axis ${axis}`,
    );
  }
  if (dense !== x) dense.dispose();
  return out;
}

/** torch.cumsum: inclusive prefix sums along `axis` (f32 or i32). */
export function cumsum(x: Tensor, axis: number, options: CumsumOptions = {}): Tensor {
  const a = normalizeAxis(axis, x.ndim, `cumsum ${x.describe()}`);
  if (
    options.blockLength !== undefined &&
    !(Number.isInteger(options.blockLength) && options.blockLength >= 2)
  ) {
    throw new ShapeError(`cumsum: blockLength ${options.blockLength} must be an integer of at least 2`);
  }
  const reverse = options.reverse ?? false;
  const out = scanRaw(x, a, reverse, options.blockLength);
  return recordOp(out, 'cumsum', [x], (g) => [scanRaw(g, a, !reverse, options.blockLength)]);
}
