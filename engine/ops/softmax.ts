/**
 * softmax and logSoftmax along one axis: one fused kernel forward (reads any strided view,
 * writes a dense output) and one fused kernel backward.
 */
import { foldGrid } from '../commands.js';
import {
  type IndexMap,
  ROW_RANKS,
  compactMap,
  indexMapValues,
  padMap,
} from '../../shaders/reduce/index-map.js';
import { type SoftmaxMode, softmaxKernel, softmaxRowsPerWorkgroup } from '../../shaders/reduce/softmax.js';
import { recordOp } from '../autograd.js';
import { EngineError } from '../errors.js';
import { engine } from '../runtime.js';
import { contiguousStrides, normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { threadsPerRow, useSerialKernels } from './reduce-policy.js';
import { reshape } from './view.js';

interface RowLayout {
  rows: number;
  cols: number;
  tpr: number;
  rowGroups: number;
  /** CPU adapters: one invocation per row, no barriers. */
  serial: boolean;
}

function rowLayout(x: Tensor, axis: number): RowLayout {
  const cols = x.shape[axis]!;
  const rows = x.size / Math.max(cols, 1);
  const serial = useSerialKernels();
  const tpr = serial ? 1 : threadsPerRow(cols);
  const rowGroups = Math.ceil(rows / softmaxRowsPerWorkgroup(tpr, serial));
  return { rows: cols === 0 ? 0 : rows, cols, tpr, rowGroups, serial };
}

/** Row map over every dim except `axis`, with the given strides and offset. */
function rowMap(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  axis: number,
): IndexMap {
  const dims = shape.map((_, i) => i).filter((i) => i !== axis);
  return padMap(
    compactMap(
      offset,
      dims.map((i) => shape[i]!),
      dims.map((i) => strides[i]!),
    ),
    ROW_RANKS,
  );
}

function dispatchRows(
  mode: SoftmaxMode,
  layout: RowLayout,
  xMap: IndexMap | null,
  xColStride: number,
  oMap: IndexMap,
  oColStride: number,
  buffers: GPUBuffer[],
  describe: () => string,
): void {
  const spec = softmaxKernel(mode, xMap?.dims.length ?? 0, oMap.dims.length, layout.serial);
  const params: Record<string, number> = {
    rows: layout.rows,
    cols: layout.cols,
    row_groups: layout.rowGroups,
    tpr_log2: Math.log2(layout.tpr),
    ...indexMapValues('orow', oMap),
    o_col_stride: oColStride,
  };
  if (xMap) Object.assign(params, indexMapValues('xrow', xMap), { x_col_stride: xColStride });
  engine().stream.dispatch(
    spec,
    buffers.map((buffer) => ({ buffer })),
    params,
    foldGrid(layout.rowGroups, engine().gpu.limits.maxComputeWorkgroupsPerDimension),
    describe,
  );
}

function softmaxFamily(x: Tensor, axis: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  if (x.dtype !== 'f32') throw new EngineError(`${name}: needs f32, got ${x.describe()}`);
  if (x.ndim === 0) {
    normalizeAxis(axis, 0, name);
    return reshape(softmaxFamily(reshape(x, [1]), 0, log), []);
  }
  const a = normalizeAxis(axis, x.ndim, name);
  const y = Tensor.empty(x.shape, 'f32');
  const layout = rowLayout(x, a);
  const oStrides = contiguousStrides(x.shape);
  const oMap = rowMap(x.shape, oStrides, 0, a);
  if (layout.rows > 0) {
    dispatchRows(
      log ? 'logSoftmax' : 'softmax',
      layout,
      rowMap(x.shape, x.strides, x.offset, a),
      x.strides[a]!,
      oMap,
      oStrides[a]!,
      [x.buffer, y.buffer],
      () => `${name} of ${x.describe()} strides [${x.strides}] along axis ${a}`,
    );
  }
  return recordOp(y, name, [x], (g) => {
    const gd = contiguous(g);
    const gx = Tensor.empty(x.shape, 'f32');
    if (layout.rows > 0) {
      dispatchRows(
        log ? 'logSoftmaxGrad' : 'softmaxGrad',
        layout,
        null,
        0,
        oMap,
        oStrides[a]!,
        [gd.buffer, y.buffer, gx.buffer],
        () => `${name} backward of ${x.describe()} along axis ${a}`,
      );
    }
    if (gd !== g) gd.dispose();
    return [gx];
  });
}

/** exp(x) / Σ exp(x) along `axis` (default last); stable for any magnitude. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxFamily(x, axis, false);
}

/** x - logsumexp(x) along `axis` (default last); stable for any magnitude. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxFamily(x, axis, true);
}
