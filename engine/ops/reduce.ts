/**
 * Reductions over any set of axes (default: all), with keepdim. The input is read in place
 * through two index maps (kept dims → rows, reduced dims → columns), so permuted or broadcast
 * views are never copied; see shaders/reduce/reduce.ts for the kernel shapes.
 *
 * Semantics (PyTorch's dim-reduction semantics throughout):
 *  - argmax/argmin: ties pick the first index; the index is flat over the reduced dims in
 *    row-major order (over all elements when no axis is given); i32.
 *  - max/min backward: the whole gradient goes to the selected (first) element of each
 *    reduction, also when all axes are reduced (PyTorch would split it among ties there).
 *  - mean is f32 only; sum keeps the dtype (i32/u32 sums wrap).
 *  - Empty reductions: sum 0, mean NaN, logsumexp -inf; max/min/argmax/argmin throw.
 */
import { foldGrid } from '../commands.js';
import { SERIAL_WG } from '../../shaders/core/serial.js';
import {
  COLUMN_ROWS,
  REDUCE_WORKGROUP,
  type ReduceFamily,
  type ReduceOp,
  type ReduceVariant,
  reduceFamily,
  reduceKernel,
} from '../../shaders/reduce/reduce.js';
import {
  COL_RANKS,
  type IndexMap,
  ROW_RANKS,
  compactMap,
  indexMapValues,
  padMap,
} from '../../shaders/reduce/index-map.js';
import { selectGradKernel } from '../../shaders/reduce/select-grad.js';
import { recordOp } from '../autograd.js';
import { EngineError, ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { type Shape, contiguousStrides, formatShape, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { SPLIT_TARGET, threadsPerRow, useSerialKernels } from './reduce-policy.js';
import { mapOperands } from './elementwise.js';
import { expand, reshape } from './view.js';

export type Axes = number | readonly number[];

interface Reduction {
  axes: number[];
  /** Output shape with keepdim (1 on reduced axes); the output is dense in this order. */
  keepShape: number[];
  outShape: number[];
  rows: number;
  cols: number;
}

function resolveAxes(x: Tensor, axes: Axes | undefined, keepdim: boolean, op: string): Reduction {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const norm = [...new Set(list.map((a) => normalizeAxis(a, x.ndim, op)))].sort((a, b) => a - b);
  if (x.ndim === 0) norm.length = 0; // a scalar reduces to itself
  const reduced = new Set(norm);
  const keepShape = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const outShape = keepdim ? keepShape : x.shape.filter((_, i) => !reduced.has(i));
  const cols = norm.reduce((p, a) => p * x.shape[a]!, 1);
  return { axes: norm, keepShape, outShape, rows: sizeOf(keepShape), cols };
}

function stateWords(family: ReduceFamily): number {
  return family === 'sum' ? 1 : 2;
}

interface PassPlan {
  shape: 'row' | 'column' | 'serial';
  /** log2 of the threads per row (row kernel). */
  tprLog2: number;
  rowGroups: number;
  splits: number;
  chunk: number;
}

function planPass(
  rows: number,
  cols: number,
  rowMap: IndexMap,
  colMap: IndexMap,
  allowSplit: boolean,
): PassPlan {
  if (useSerialKernels()) return planSerialPass(rows, cols, allowSplit);
  const lastRowStride = rowMap.strides[rowMap.strides.length - 1]!;
  const lastColStride = colMap.strides[colMap.strides.length - 1]!;
  const target = SPLIT_TARGET;
  const column = rows >= 32 && cols > 1 && lastRowStride === 1 && lastColStride !== 1;
  if (column) {
    const rowGroups = Math.ceil(rows / COLUMN_ROWS);
    let splits = 1;
    if (allowSplit && rowGroups < target / 4 && cols >= 1024) {
      splits = Math.min(Math.ceil(cols / 256), Math.ceil(target / rowGroups));
    }
    return { shape: 'column', tprLog2: 0, rowGroups, splits, chunk: Math.ceil(cols / splits) };
  }
  const tpr = threadsPerRow(cols);
  const rowGroups = Math.ceil(rows / (REDUCE_WORKGROUP / tpr));
  let splits = 1;
  if (allowSplit && rowGroups < target / 4 && cols >= 8192) {
    splits = Math.min(Math.ceil(cols / 4096), Math.ceil(target / rowGroups));
  }
  return {
    shape: 'row',
    tprLog2: Math.log2(tpr),
    rowGroups,
    splits,
    chunk: Math.max(1, Math.ceil(cols / splits)),
  };
}

/**
 * CPU adapters: one invocation per row. Only a few long rows are split (into chunks of at least
 * 8192 columns), so that both cores get work and one invocation does not walk a million values.
 */
function planSerialPass(rows: number, cols: number, allowSplit: boolean): PassPlan {
  const rowGroups = Math.ceil(rows / SERIAL_WG);
  let splits = 1;
  if (allowSplit && rows < 16 && cols >= 32768) {
    splits = Math.min(Math.ceil(cols / 8192), Math.ceil(64 / rows));
  }
  return { shape: 'serial', tprLog2: 0, rowGroups, splits, chunk: Math.max(1, Math.ceil(cols / splits)) };
}

interface PassArgs {
  rows: number;
  cols: number;
  rowMap: IndexMap;
  colMap: IndexMap;
  scale: number;
  isMin: boolean;
  describe: () => string;
}

function dispatchPass(variant: ReduceVariant, plan: PassPlan, buffers: GPUBuffer[], a: PassArgs): void {
  const groups = plan.rowGroups * plan.splits;
  engine().stream.dispatch(
    reduceKernel(variant),
    buffers.map((buffer) => ({ buffer })),
    {
      rows: a.rows,
      cols: a.cols,
      chunk: plan.chunk,
      row_groups: plan.rowGroups,
      groups,
      // Partial states: [splits, rows] for the column kernel, [rows, splits] for the others.
      part_row_stride: plan.shape === 'column' ? 1 : plan.splits,
      part_split_stride: plan.shape === 'column' ? a.rows : 1,
      scale: a.scale,
      is_min: a.isMin ? 1 : 0,
      tpr_log2: plan.tprLog2,
      ...indexMapValues('row', a.rowMap),
      ...indexMapValues('col', a.colMap),
    },
    foldGrid(groups, engine().gpu.limits.maxComputeWorkgroupsPerDimension),
    a.describe,
  );
}

/**
 * Runs one reduction without autograd. Returns the values (dtype per op) and, for the max/min
 * family, the selected indices (i32), both dense in `keepShape` order and shaped `outShape`.
 */
function reduceRaw(x: Tensor, r: Reduction, op: ReduceOp): { values: Tensor; indices: Tensor | null } {
  const family = reduceFamily(op);
  if (family === 'lse' && x.dtype !== 'f32') throw new EngineError(`${op}: needs f32, got ${x.describe()}`);
  if (op === 'mean' && x.dtype !== 'f32')
    throw new EngineError(`mean: needs f32, got ${x.describe()} (cast first)`);
  if (family === 'extreme' && r.cols === 0) {
    throw new ShapeError(`${op} of ${x.describe()} over empty axes [${r.axes}]`);
  }
  const values = Tensor.empty(r.outShape, family === 'lse' ? 'f32' : x.dtype);
  const indices = family === 'extreme' ? Tensor.empty(r.outShape, 'i32') : null;
  if (r.rows === 0) return { values, indices };
  const reduced = new Set(r.axes);
  const keptDims = x.shape.map((_, i) => i).filter((i) => !reduced.has(i));
  const rowMap = padMap(
    compactMap(
      x.offset,
      keptDims.map((i) => x.shape[i]!),
      keptDims.map((i) => x.strides[i]!),
    ),
    ROW_RANKS,
  );
  const colMap = padMap(
    compactMap(
      0,
      r.axes.map((i) => x.shape[i]!),
      r.axes.map((i) => x.strides[i]!),
    ),
    COL_RANKS,
  );
  const args: PassArgs = {
    rows: r.rows,
    cols: r.cols,
    rowMap,
    colMap,
    scale: op === 'mean' ? 1 / r.cols : 1,
    isMin: op === 'min' || op === 'argmin',
    describe: () => `${op} of ${x.describe()} strides [${x.strides}] over axes [${r.axes}]`,
  };
  const finals = indices ? [values.buffer, indices.buffer] : [values.buffer];
  const plan = planPass(r.rows, r.cols, rowMap, colMap, true);
  const base = { family, dtype: x.dtype, rowRank: rowMap.dims.length, colRank: colMap.dims.length };
  if (plan.splits === 1) {
    dispatchPass(
      { ...base, shape: plan.shape, input: 'raw', output: 'final' },
      plan,
      [x.buffer, ...finals],
      args,
    );
    return { values, indices };
  }
  const partial = Tensor.empty([r.rows * plan.splits * stateWords(family)], 'u32');
  dispatchPass(
    { ...base, shape: plan.shape, input: 'raw', output: 'partial' },
    plan,
    [x.buffer, partial.buffer],
    args,
  );
  // Second pass over the partial states, laid out as the first pass wrote them.
  const splits = plan.splits;
  const byRow = plan.shape !== 'column';
  const rowMap2: IndexMap = { offset: 0, dims: [r.rows], strides: [byRow ? splits : 1] };
  const colMap2: IndexMap = { offset: 0, dims: [splits], strides: [byRow ? 1 : r.rows] };
  const plan2 = planPass(r.rows, splits, rowMap2, colMap2, false);
  const second: ReduceVariant = {
    family,
    dtype: x.dtype,
    rowRank: 1,
    colRank: 1,
    shape: plan2.shape,
    input: 'state',
    output: 'final',
  };
  dispatchPass(second, plan2, [partial.buffer, ...finals], {
    ...args,
    cols: splits,
    rowMap: rowMap2,
    colMap: colMap2,
  });
  partial.dispose(); // safe: the pool hands it out again only to later recorded work
  return { values, indices };
}

/** g (of the reduced shape) broadcast back over x's shape, as a dense tensor. */
function broadcastBack(g: Tensor, x: Tensor, r: Reduction): Tensor {
  return contiguous(expand(reshape(g, r.keepShape), x.shape));
}

function reduceWithGrad(x: Tensor, axes: Axes | undefined, keepdim: boolean, op: ReduceOp): Tensor {
  const r = resolveAxes(x, axes, keepdim, op);
  const { values, indices } = reduceRaw(x, r, op);
  switch (op) {
    case 'sum':
      if (x.dtype !== 'f32') return values;
      return recordOp(values, 'sum', [x], (g) => [broadcastBack(g, x, r)]);
    case 'mean':
      return recordOp(values, 'mean', [x], (g) => [
        mapOperands(
          'mean_grad',
          [expand(reshape(g, r.keepShape), x.shape), 1 / r.cols],
          ['f32', 'f32'],
          'f32',
          ([gn, s]) => `${gn} * ${s}`,
          x.shape,
        ),
      ]);
    case 'logsumexp':
      return recordOp(values, 'logsumexp', [x], (g) => [
        mapOperands(
          'logsumexp_grad',
          [expand(reshape(g, r.keepShape), x.shape), x, expand(reshape(values, r.keepShape), x.shape)],
          ['f32', 'f32', 'f32'],
          'f32',
          ([gn, xn, yn]) => `${gn} * exp(${xn} - ${yn})`,
          x.shape,
        ),
      ]);
    case 'max':
    case 'min': {
      const idx = indices!;
      if (x.dtype !== 'f32') {
        idx.dispose();
        return values;
      }
      return recordOp(values, op, [x], (g) => [selectGrad(g, idx, x, r)]);
    }
    case 'argmax':
    case 'argmin':
      values.dispose();
      return indices!;
  }
}

/** Scatters g to the selected element of each reduction (zeros elsewhere); dense, x's shape. */
function selectGrad(g: Tensor, idx: Tensor, x: Tensor, r: Reduction): Tensor {
  const out = Tensor.empty(x.shape, 'f32');
  const n = x.size;
  if (n === 0) return out;
  const dense = contiguous(g);
  const reduced = new Set(r.axes);
  const rowStrides = contiguousStrides(r.keepShape);
  const colShape = x.shape.map((d, i) => (reduced.has(i) ? d : 1));
  const colStrides = contiguousStrides(colShape);
  const dims = x.ndim === 0 ? [1] : [...x.shape];
  const params: Record<string, number> = { n };
  dims.forEach((d, i) => {
    params[`dim${i}`] = d;
    params[`row_stride${i}`] = x.ndim === 0 || reduced.has(i) ? 0 : rowStrides[i]!;
    params[`col_stride${i}`] = x.ndim === 0 || !reduced.has(i) ? 0 : colStrides[i]!;
  });
  engine().stream.dispatch1D(
    selectGradKernel(dims.length),
    [{ buffer: dense.buffer }, { buffer: idx.buffer }, { buffer: out.buffer }],
    params,
    n,
    () => `select-grad of ${x.describe()} over axes [${r.axes}]`,
  );
  if (dense !== g) dense.dispose();
  return out;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return reduceWithGrad(x, axes, keepdim, 'sum');
}

/** Mean over `axes` (all when omitted); f32. */
export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return reduceWithGrad(x, axes, keepdim, 'mean');
}

/** Max over `axes`; the gradient goes to the first maximal element of each reduction. */
export function max(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return reduceWithGrad(x, axes, keepdim, 'max');
}

export function min(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return reduceWithGrad(x, axes, keepdim, 'min');
}

/** i32 index of the first maximum along `axis` (flat over all elements when omitted). */
export function argmax(x: Tensor, axis?: number, keepdim = false): Tensor {
  return reduceWithGrad(x, axis, keepdim, 'argmax');
}

export function argmin(x: Tensor, axis?: number, keepdim = false): Tensor {
  return reduceWithGrad(x, axis, keepdim, 'argmin');
}

/** log Σ exp(x) over `axes`, stable for any magnitude (online max rescaling). */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  return reduceWithGrad(x, axes, keepdim, 'logsumexp');
}

/** Values and i32 indices of the max along `axes` in one pass (like torch.max(x, dim)). */
export function maxWithIndices(x: Tensor, axes?: Axes, keepdim = false): { values: Tensor; indices: Tensor } {
  const r = resolveAxes(x, axes, keepdim, 'max');
  const { values, indices } = reduceRaw(x, r, 'max');
  const idx = indices!;
  if (x.dtype === 'f32') recordOp(values, 'max', [x], (g) => [selectGrad(g, idx, x, r)]);
  return { values, indices: idx };
}

/**
 * Sums a broadcast gradient back to `shape`: over leading extra dims and over dims where
 * `shape` has 1. Returns `g` itself when the shapes already match.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new ShapeError(`sumToShape: ${g.describe()} has fewer dims than ${formatShape(shape)}`);
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] !== d) {
      if (shape[i - lead] !== 1)
        throw new ShapeError(`sumToShape: ${g.describe()} does not broadcast from ${formatShape(shape)}`);
      axes.push(i);
    }
  });
  return reshape(sum(g, axes, true), shape);
}
