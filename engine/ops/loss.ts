/**
 * Losses for Mask2Former's criterion, each a fused kernel with a fused backward:
 *  - crossEntropy: PyTorch F.cross_entropy (class weights, ignore index, weighted mean);
 *  - binaryCrossEntropyWithLogits, sigmoidFocalLoss: elementwise sigmoid losses with a reduction;
 *  - sigmoidCeLoss, diceLoss, maskLosses: Mask2Former's per-mask losses on [N, P] point logits,
 *    each reduced over a row in one pass and divided by `numMasks` (maskLosses gives CE and dice
 *    from the same single pass over the data).
 * Targets of the sigmoid losses are f32 (soft targets allowed); they get a gradient when they
 * require one. Class weights of crossEntropy get none.
 */
import {
  CE_GRAD_MODE,
  CE_WG,
  NAN_BITS,
  crossEntropyBackwardKernel,
  crossEntropyFinalizeKernel,
  crossEntropyForwardKernel,
} from '../../shaders/loss/cross-entropy.js';
import {
  EMIT_CODE,
  type MaskRowEmit,
  maskRowBackwardKernel,
  maskRowChunks,
  maskRowFinalizeKernel,
  maskRowStatsKernel,
} from '../../shaders/loss/mask-rows.js';
import type { SigmoidLossMode } from '../../shaders/loss/sigmoid-common.js';
import {
  sigmoidLossElementwiseBackwardKernel,
  sigmoidLossElementwiseKernel,
} from '../../shaders/loss/sigmoid-elementwise.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { formatShape, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { select } from './view.js';

export type LossReduction = 'mean' | 'sum' | 'none';

/** Binds a dense tensor's exact byte range (at least 4 bytes). */
function bind(t: Tensor): { buffer: GPUBuffer; size: number } {
  return { buffer: t.buffer, size: Math.max(4, t.size * 4) };
}

// ---------------------------------------------------------------- cross-entropy

export interface CrossEntropyOptions {
  /** Per-class weights [C] (e.g. 0.1 on Mask2Former's no-object class). */
  weight?: Tensor;
  reduction?: LossReduction;
  /** Targets equal to this contribute nothing (PyTorch default −100). */
  ignoreIndex?: number;
}

/**
 * F.cross_entropy(logits [N, C] or [N, C, d1, ...], target int [N] or [N, d1, ...]).
 * 'mean' is Σ w[y]·ℓ / Σ w[y] over non-ignored targets; 'none' gives w[y]·ℓ per position.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const what = () =>
    `crossEntropy(${logits.describe()}, ${target.describe()}${options.weight ? `, weight ${options.weight.describe()}` : ''})`;
  if (logits.ndim < 2) throw new ShapeError(`${what()}: logits need a class axis (shape [N, C, ...])`);
  if (logits.dtype !== 'f32') throw new ShapeError(`${what()}: logits must be f32`);
  if (target.dtype !== 'i32') throw new ShapeError(`${what()}: targets must be i32 class indices`);
  const [n, classes] = [logits.shape[0]!, logits.shape[1]!];
  const rest = logits.shape.slice(2);
  const targetShape = [n, ...rest];
  if (!shapesEqual(target.shape, targetShape)) {
    throw new ShapeError(`${what()}: targets must have shape ${formatShape(targetShape)}`);
  }
  if (classes === 0) throw new ShapeError(`${what()}: no classes`);
  const weight = options.weight ? contiguous(options.weight) : null;
  if (weight && !shapesEqual(weight.shape, [classes])) {
    throw new ShapeError(`${what()}: weight must have shape [${classes}]`);
  }
  if (weight && weight.dtype !== 'f32') throw new ShapeError(`${what()}: weight must be f32`);
  const inner = sizeOf(rest);
  const positions = n * inner;
  const x = contiguous(logits);
  const y = contiguous(target);
  const stream = engine().stream;
  const lse = Tensor.empty([positions], 'f32');
  const elems = Tensor.empty(targetShape, 'f32');
  const groups = Math.ceil(positions / CE_WG);
  const partials = Tensor.empty([Math.max(1, groups) * 2], 'f32');
  const hasWeight = weight !== null;
  stream.dispatch1D(
    crossEntropyForwardKernel(hasWeight),
    [bind(x), bind(y), ...(weight ? [bind(weight)] : []), bind(lse), bind(elems), bind(partials)],
    { positions, classes, inner, ignore_index: ignoreIndex, nan_bits: NAN_BITS },
    positions,
    what,
  );
  let out = elems;
  const weightSum = Tensor.empty([], 'f32');
  if (reduction !== 'none') {
    out = Tensor.empty([], 'f32');
    stream.dispatch(
      crossEntropyFinalizeKernel,
      [bind(partials), bind(out), bind(weightSum)],
      { count: groups, mean: reduction === 'mean' ? 1 : 0, nan_bits: NAN_BITS },
      [1, 1, 1],
      what,
    );
  }
  partials.dispose();
  return recordOp(out, 'crossEntropy', [logits], (g) => {
    const gd = contiguous(g);
    const grad = Tensor.empty(logits.shape, 'f32');
    stream.dispatch1D(
      crossEntropyBackwardKernel(hasWeight),
      [bind(x), bind(y), ...(weight ? [bind(weight)] : []), bind(lse), bind(weightSum), bind(gd), bind(grad)],
      { n: x.size, classes, inner, ignore_index: ignoreIndex, mode: CE_GRAD_MODE[reduction] },
      x.size,
      () => `${what()} backward`,
    );
    return [grad];
  });
}

// ---------------------------------------------------------------- sigmoid losses, per row

interface RowLossRequest {
  mode: SigmoidLossMode;
  emit: MaskRowEmit;
  /** Multiplies each row's Σℓ (1/P for a mean over points). */
  rowScale: number;
  /** Multiplies the sum over rows (1/numMasks). */
  outScale: number;
  alpha: number;
  gamma: number;
  name: string;
}

function focalValues(r: { alpha: number; gamma: number; mode: SigmoidLossMode }): Record<string, number> {
  return { alpha: r.alpha, gamma: r.gamma, use_alpha: r.mode === 'focal' && r.alpha >= 0 ? 1 : 0 };
}

function checkPair(op: string, logits: Tensor, targets: Tensor): void {
  if (logits.dtype !== 'f32' || targets.dtype !== 'f32') {
    throw new ShapeError(
      `${op}(${logits.describe()}, ${targets.describe()}): logits and targets must be f32`,
    );
  }
  if (!shapesEqual(logits.shape, targets.shape)) {
    throw new ShapeError(
      `${op}: logits ${logits.describe()} and targets ${targets.describe()} differ in shape`,
    );
  }
}

/**
 * The fused row kernel pipeline on [rows, P] (any tensors of that many elements): stats pass,
 * finalize, and the backward pass. Output shape [] (one loss) or [2] (CE and dice).
 */
function rowLosses(logits: Tensor, targets: Tensor, rows: number, p: number, r: RowLossRequest): Tensor {
  const x = contiguous(logits);
  const t = contiguous(targets);
  const vec4 = p % 4 === 0 && p > 0;
  const rowItems = vec4 ? p / 4 : p;
  const chunks = maskRowChunks(rowItems);
  const stream = engine().stream;
  const what = () => `${r.name}(${logits.describe()}, ${targets.describe()}) as [${rows}, ${p}]`;
  const partials = Tensor.empty([Math.max(1, rows * chunks) * 4], 'f32');
  const rowStats = Tensor.empty([Math.max(1, rows) * 4], 'f32');
  const out = Tensor.empty(r.emit === 'both' ? [2] : [], 'f32');
  if (rows > 0 && p > 0) {
    const maxDim = engine().gpu.limits.maxComputeWorkgroupsPerDimension;
    const gy = Math.min(rows, maxDim);
    stream.dispatch(
      maskRowStatsKernel(r.mode, vec4),
      [bind(x), bind(t), bind(partials)],
      { rows, row_items: rowItems, chunks, chunk_items: Math.ceil(rowItems / chunks), ...focalValues(r) },
      [chunks, gy, Math.ceil(rows / gy)],
      what,
    );
  }
  stream.dispatch(
    maskRowFinalizeKernel,
    [bind(partials), bind(rowStats), bind(out)],
    // Empty rows: no partials were written, so there are none to read.
    { rows: p > 0 ? rows : 0, chunks, row_scale: r.rowScale, out_scale: r.outScale, emit: EMIT_CODE[r.emit] },
    [1, 1, 1],
    what,
  );
  partials.dispose();
  return recordOp(out, r.name, [logits, targets], (g) => {
    const gd = contiguous(g);
    const targetGrad = targets.requiresGrad;
    const gx = Tensor.empty(logits.shape, 'f32');
    const gt = targetGrad ? Tensor.empty(targets.shape, 'f32') : null;
    const n = rows * rowItems;
    stream.dispatch1D(
      maskRowBackwardKernel(r.mode, vec4, targetGrad),
      [bind(x), bind(t), bind(rowStats), bind(gd), bind(gx), ...(gt ? [bind(gt)] : [])],
      {
        n,
        row_items: rowItems,
        ce_scale: r.rowScale * r.outScale,
        dice_scale: r.outScale,
        emit: EMIT_CODE[r.emit],
        ...focalValues(r),
      },
      n,
      () => `${what()} backward`,
    );
    return [gx, gt];
  });
}

function elementwiseLoss(
  logits: Tensor,
  targets: Tensor,
  mode: SigmoidLossMode,
  alpha: number,
  gamma: number,
  name: string,
): Tensor {
  const x = contiguous(logits);
  const t = contiguous(targets);
  const out = Tensor.empty(logits.shape, 'f32');
  const n = x.size;
  const stream = engine().stream;
  const focal = focalValues({ alpha, gamma, mode });
  const what = () => `${name}(${logits.describe()}, ${targets.describe()}, reduction 'none')`;
  stream.dispatch1D(
    sigmoidLossElementwiseKernel(mode),
    [bind(x), bind(t), bind(out)],
    { n, ...focal },
    n,
    what,
  );
  return recordOp(out, name, [logits, targets], (g) => {
    const gd = contiguous(g);
    const targetGrad = targets.requiresGrad;
    const gx = Tensor.empty(logits.shape, 'f32');
    const gt = targetGrad ? Tensor.empty(targets.shape, 'f32') : null;
    stream.dispatch1D(
      sigmoidLossElementwiseBackwardKernel(mode, targetGrad),
      [bind(x), bind(t), bind(gd), bind(gx), ...(gt ? [bind(gt)] : [])],
      { n, ...focal },
      n,
      () => `${what()} backward`,
    );
    return [gx, gt];
  });
}

/** A reduction over all elements through the row kernel: the tensor as one row. */
function reducedLoss(
  logits: Tensor,
  targets: Tensor,
  reduction: 'mean' | 'sum',
  mode: SigmoidLossMode,
  alpha: number,
  gamma: number,
  name: string,
): Tensor {
  const n = logits.size;
  return rowLosses(logits, targets, 1, n, {
    mode,
    emit: 'ce',
    rowScale: reduction === 'mean' ? 1 / n : 1,
    // PyTorch's mean over no elements is NaN (0 · NaN in the finalize kernel).
    outScale: reduction === 'mean' && n === 0 ? NaN : 1,
    alpha,
    gamma,
    name,
  });
}

/** F.binary_cross_entropy_with_logits(logits, targets, reduction) — numerically stable for any x. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor,
  options: { reduction?: LossReduction } = {},
): Tensor {
  checkPair('binaryCrossEntropyWithLogits', logits, targets);
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none')
    return elementwiseLoss(logits, targets, 'bce', 0, 0, 'binaryCrossEntropyWithLogits');
  return reducedLoss(logits, targets, reduction, 'bce', 0, 0, 'binaryCrossEntropyWithLogits');
}

export interface FocalLossOptions {
  /** Weight of the positive class; negative disables the α weighting. Default 0.25. */
  alpha?: number;
  gamma?: number;
  /**
   * Mask2Former's form: logits [N, P], loss.mean(1).sum() / numMasks. When given, `reduction`
   * is ignored.
   */
  numMasks?: number;
  /** torchvision's reductions over all elements, when `numMasks` is not given. Default 'mean'. */
  reduction?: LossReduction;
}

/** Sigmoid focal loss (RetinaNet / DETR / Mask2Former). */
export function sigmoidFocalLoss(logits: Tensor, targets: Tensor, options: FocalLossOptions = {}): Tensor {
  checkPair('sigmoidFocalLoss', logits, targets);
  const alpha = options.alpha ?? 0.25;
  const gamma = options.gamma ?? 2;
  if (options.numMasks !== undefined) {
    const [rows, p] = maskShape('sigmoidFocalLoss', logits);
    return rowLosses(logits, targets, rows, p, {
      mode: 'focal',
      emit: 'ce',
      rowScale: 1 / p,
      outScale: 1 / options.numMasks,
      alpha,
      gamma,
      name: 'sigmoidFocalLoss',
    });
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'none')
    return elementwiseLoss(logits, targets, 'focal', alpha, gamma, 'sigmoidFocalLoss');
  return reducedLoss(logits, targets, reduction, 'focal', alpha, gamma, 'sigmoidFocalLoss');
}

function maskShape(op: string, logits: Tensor): [number, number] {
  if (logits.ndim !== 2) throw new ShapeError(`${op}: mask logits ${logits.describe()} must be [N, P]`);
  return [logits.shape[0]!, logits.shape[1]!];
}

/** Mask2Former's sigmoid_ce_loss: BCE averaged over the P points of each mask, summed, / numMasks. */
export function sigmoidCeLoss(logits: Tensor, targets: Tensor, numMasks: number): Tensor {
  checkPair('sigmoidCeLoss', logits, targets);
  const [rows, p] = maskShape('sigmoidCeLoss', logits);
  return rowLosses(logits, targets, rows, p, {
    mode: 'bce',
    emit: 'ce',
    rowScale: 1 / p,
    outScale: 1 / numMasks,
    alpha: 0,
    gamma: 0,
    name: 'sigmoidCeLoss',
  });
}

/** Mask2Former's dice_loss: Σ_n [1 − (2Σσ(x)·t + 1)/(Σσ(x) + Σt + 1)] / numMasks. */
export function diceLoss(logits: Tensor, targets: Tensor, numMasks: number): Tensor {
  checkPair('diceLoss', logits, targets);
  const [rows, p] = maskShape('diceLoss', logits);
  return rowLosses(logits, targets, rows, p, {
    mode: 'bce',
    emit: 'dice',
    rowScale: 1 / p,
    outScale: 1 / numMasks,
    alpha: 0,
    gamma: 0,
    name: 'diceLoss',
  });
}

/**
 * Both mask losses of Mask2Former's criterion from one pass over [N, P] logits and targets
 * (and one fused backward pass): `ce` = sigmoidCeLoss, `dice` = diceLoss; `both` is [ce, dice].
 */
export function maskLosses(
  logits: Tensor,
  targets: Tensor,
  numMasks: number,
): { ce: Tensor; dice: Tensor; both: Tensor } {
  checkPair('maskLosses', logits, targets);
  const [rows, p] = maskShape('maskLosses', logits);
  const both = rowLosses(logits, targets, rows, p, {
    mode: 'bce',
    emit: 'both',
    rowScale: 1 / p,
    outScale: 1 / numMasks,
    alpha: 0,
    gamma: 0,
    name: 'maskLosses',
  });
  return { ce: select(both, 0, 0), dice: select(both, 0, 1), both };
}
