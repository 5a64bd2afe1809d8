import {
  type GemmEpilogue,
  type GemmOperand,
  NO_EPILOGUE,
  type StridedLayout,
  biasEpilogue,
  stridedOperand,
  stridedOperandValues,
  stridedVec,
} from '../../shaders/matmul/gemm-operand.js';
import { cpuRegisterGrid } from '../../shaders/matmul/gemm-register-cpu.js';
import { type GemmVariant, gemmBlock, gemmKernel, variantUsesVec4 } from '../../shaders/matmul/kernels.js';
import { SUM_COLUMNS_WG, sumChannelsKernel, sumColumnsKernel } from '../../shaders/matmul/sum-outer-inner.js';
import { sumOuterInnerSerialKernel } from '../../shaders/reduce/sum-outer-serial.js';
import { recordOp } from '../autograd.js';
import type { BufferBinding, ParamValues } from '../commands.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { type Shape, broadcastShapes, formatShape, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { sumToShape } from './reduce.js';
import { useSerialKernels } from './reduce-policy.js';
import { reshape } from './view.js';

export type { GemmVariant };

/** 'auto' picks per adapter and shape (see `chooseGemmPlan`); a named variant forces it. */
export type MatmulVariant = 'auto' | GemmVariant;

export interface MatmulOptions {
  variant?: MatmulVariant;
  /** Forces split-K with this many k ranges (tests; the plan decides otherwise). */
  splitK?: number;
}

// ---------------------------------------------------------------------------------------------
// Choosing a kernel

export interface GemmPlan {
  variant: GemmVariant;
  /** Split-K factor: >1 sums partial products over k ranges in a second pass. */
  splits: number;
}

/**
 * The kernel for a problem of `nbatch` products of (M x K)·(K x N) on this adapter (`isCpu`:
 * the `useSerialKernels` policy, true on CPU adapters):
 * - CPU adapters (SwiftShader, llvmpipe): always the register-tiled v2 (no workgroup memory,
 *   no barriers: PLATFORM.md measured v2 ~4x faster there than v3), with 8x8 tiles when both
 *   operands read vec4 (`vec4Operands`; half as many loads per multiply-add as 4x4, 1.3-2x
 *   faster on the model's products) and 4x4 tiles otherwise: with a gathered operand (implicit
 *   im2col) k advances one at a time and the 8x8 tile's 16 inlined gathers per step make
 *   SwiftShader's shader compiles take seconds to minutes. Even for a single row or column of C
 *   v2 beats v1, whose per-invocation overhead dominates on SwiftShader (measured 3x on a
 *   depthwise convolution, 10x on 256³). Never split-K (dispatch count is what costs on a CPU).
 * - GPUs: v1 for skinny problems (M or N < 16: matrix-vector, depthwise convolution), the 128x128
 *   workgroup-tiled v3 when there are enough such blocks to fill the GPU, the 64x64 one for
 *   mid-sized problems, v2 below that. When there are few blocks but a long k, split-K restores
 *   parallelism (weight gradients: small M x N, k = batch x pixels).
 */
export function chooseGemmPlan(
  M: number,
  N: number,
  K: number,
  nbatch: number,
  isCpu: boolean,
  allowSplit: boolean,
  forced: MatmulVariant = 'auto',
  vec4Operands = true,
): GemmPlan {
  let variant: GemmVariant;
  if (forced !== 'auto') variant = forced;
  else if (isCpu) variant = vec4Operands ? 'register8' : 'register';
  else if (M < 16 || N < 16) variant = 'naive';
  else if (Math.ceil(M / 128) * Math.ceil(N / 128) * nbatch >= 120) variant = 'tiled128';
  else if (Math.min(M, N) >= 48) variant = 'tiled64';
  else variant = 'register';
  let splits = 1;
  if (!isCpu && allowSplit && K >= 2048) {
    const { rows, cols } = gemmBlock(variant, M);
    const groups = Math.ceil(M / rows) * Math.ceil(N / cols) * nbatch;
    if (groups < 128) splits = Math.min(32, Math.ceil(256 / groups), Math.floor(K / 512));
  }
  return { variant, splits: Math.max(1, splits) };
}

// ---------------------------------------------------------------------------------------------
// Running a GEMM

/** One GEMM operand: the buffer it reads and its WGSL (with or without vec4 reads). */
export interface GemmSide {
  buffer: GPUBuffer;
  operand: (allowVec4: boolean) => GemmOperand;
  values: ParamValues;
}

export interface GemmRequest {
  a: GemmSide;
  b: GemmSide;
  epilogue?: { spec: GemmEpilogue; buffers: GPUBuffer[]; values: ParamValues };
  M: number;
  N: number;
  K: number;
  nbatch: number;
  variant?: MatmulVariant;
  /** Forces the split-K factor (else the plan's). */
  splits?: number;
  describe: () => string;
}

/**
 * Runs C[z] = epilogue(A[z]·B[z]) for z < nbatch into a new dense tensor of `outShape`
 * (nbatch*M*N elements), splitting k when the plan says so.
 */
export function gemm(req: GemmRequest, outShape: Shape): Tensor {
  const { M, N, K, nbatch } = req;
  if (sizeOf(outShape) !== nbatch * M * N) {
    throw new ShapeError(
      `gemm: output ${formatShape(outShape)} is not ${nbatch}x${M}x${N} (${req.describe()})`,
    );
  }
  const out = Tensor.empty(outShape);
  if (out.size === 0) return out;
  const vec4Operands = req.a.operand(true).vec !== 'none' && req.b.operand(true).vec !== 'none';
  const plan = chooseGemmPlan(M, N, K, nbatch, useSerialKernels(), !req.epilogue, req.variant, vec4Operands);
  if (req.splits !== undefined) {
    if (req.epilogue) throw new ShapeError(`gemm: split-K with an epilogue (${req.describe()})`);
    plan.splits = Math.max(1, Math.min(req.splits, K));
  }
  const kChunk = plan.splits > 1 ? Math.ceil(K / plan.splits / 8) * 8 : K;
  const splits = plan.splits > 1 ? Math.ceil(K / kChunk) : 1;
  if (splits === 1) {
    dispatchGemm(req, plan.variant, out, K, 1);
    return out;
  }
  const partial = Tensor.empty([splits * nbatch * M * N]);
  dispatchGemm(req, plan.variant, partial, kChunk, splits);
  sumOuterInnerInto(partial, out, splits, nbatch * M * N, 1);
  partial.dispose();
  return out;
}

function dispatchGemm(
  req: GemmRequest,
  variant: GemmVariant,
  out: Tensor,
  kChunk: number,
  splits: number,
): void {
  const { M, N, K, nbatch } = req;
  const vec = variantUsesVec4(variant);
  const vecC = vec && N % 4 === 0;
  const epi = req.epilogue ?? { spec: NO_EPILOGUE, buffers: [], values: {} };
  const spec = gemmKernel(variant, req.a.operand(vec), req.b.operand(vec), epi.spec, vecC, M);
  const buffers: BufferBinding[] = [
    { buffer: req.a.buffer },
    { buffer: req.b.buffer },
    ...epi.buffers.map((buffer) => ({ buffer })),
    { buffer: out.buffer },
  ];
  const maxDim = engine().gpu.limits.maxComputeWorkgroupsPerDimension;
  const gz = nbatch * splits;
  const launch = (grid: readonly [number, number], mBase: number, z0: number) => {
    const params: ParamValues = {
      M,
      N,
      K,
      k_chunk: kChunk,
      nbatch,
      batch_base: z0,
      m_base: mBase,
      ...req.a.values,
      ...req.b.values,
      ...epi.values,
    };
    engine().stream.dispatch(spec, buffers, params, [...grid, Math.min(maxDim, gz - z0)], req.describe);
  };
  if (variant === 'register8') {
    // Tiles numbered over the whole of C (x and y only fold the count).
    const grid = cpuRegisterGrid(M, N, maxDim);
    for (let z0 = 0; z0 < gz; z0 += maxDim) launch(grid, 0, z0);
    return;
  }
  const { rows, cols } = gemmBlock(variant, M);
  const gx = Math.ceil(N / cols);
  if (gx > maxDim) throw new ShapeError(`gemm: N=${N} needs ${gx} workgroups along x (${req.describe()})`);
  const gy = Math.ceil(M / rows);
  for (let y0 = 0; y0 < gy; y0 += maxDim) {
    for (let z0 = 0; z0 < gz; z0 += maxDim) launch([gx, Math.min(maxDim, gy - y0)], y0 * rows, z0);
  }
}

/** out[c] = sum over o, i of x[o][c][i]; x and out dense. */
export function sumOuterInnerInto(
  x: Tensor,
  out: Tensor,
  outer: number,
  channels: number,
  inner: number,
): void {
  if (channels === 0) return;
  const buffers = [{ buffer: x.buffer }, { buffer: out.buffer }];
  const params = { O: outer, C: channels, I: inner };
  const describe = () => `${x.describe()} as [${outer},${channels},${inner}]`;
  if (useSerialKernels()) {
    // CPU adapters: one invocation per channel, no barriers (see shaders/core/serial.ts).
    engine().stream.dispatch1D(sumOuterInnerSerialKernel, buffers, params, channels, describe);
  } else if (inner === 1) {
    engine().stream.dispatch1D(sumColumnsKernel, buffers, params, channels * SUM_COLUMNS_WG[1], describe);
  } else {
    engine().stream.dispatch1D(sumChannelsKernel, buffers, params, channels * 256, describe);
  }
}

/** A new tensor [channels]: x (any layout, viewed dense as [outer, channels, inner]) summed over outer and inner. */
export function sumOuterInner(x: Tensor, outer: number, channels: number, inner: number): Tensor {
  const dense = contiguous(x);
  const out = Tensor.empty([channels]);
  sumOuterInnerInto(dense, out, outer, channels, inner);
  if (dense !== x) dense.dispose();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strided matrix views (no copies)

/** A batch of matrices read through strides: element (batch idx, r, c). */
interface MatView {
  tensor: Tensor;
  offset: number;
  batchShape: number[];
  batchStrides: number[];
  rows: number;
  cols: number;
  rs: number;
  cs: number;
}

function matView(t: Tensor, promote1d: 'row' | 'col'): MatView {
  const n = t.ndim;
  if (n === 1) {
    const len = t.shape[0]!;
    const s = len === 1 ? 0 : t.strides[0]!;
    return promote1d === 'row'
      ? { tensor: t, offset: t.offset, batchShape: [], batchStrides: [], rows: 1, cols: len, rs: 0, cs: s }
      : { tensor: t, offset: t.offset, batchShape: [], batchStrides: [], rows: len, cols: 1, rs: s, cs: 0 };
  }
  const rows = t.shape[n - 2]!;
  const cols = t.shape[n - 1]!;
  return {
    tensor: t,
    offset: t.offset,
    batchShape: t.shape.slice(0, n - 2),
    batchStrides: t.strides.slice(0, n - 2),
    rows,
    cols,
    rs: rows === 1 ? 0 : t.strides[n - 2]!,
    cs: cols === 1 ? 0 : t.strides[n - 1]!,
  };
}

function transposed(v: MatView): MatView {
  return { ...v, rows: v.cols, cols: v.rows, rs: v.cs, cs: v.rs };
}

/** Strides of `v`'s batch dims aligned to `outBatch` (0 where broadcast or missing). */
function alignedBatchStrides(v: MatView, outBatch: readonly number[]): number[] {
  const lead = outBatch.length - v.batchShape.length;
  return outBatch.map((_, i) => {
    if (i < lead) return 0;
    return v.batchShape[i - lead] === 1 ? 0 : v.batchStrides[i - lead]!;
  });
}

/**
 * Drops size-1 dims and merges neighbours that every operand can step through with one stride.
 * Returns the merged sizes and, per operand, the merged strides.
 */
function mergeDims(
  dims: readonly number[],
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const outDims: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  dims.forEach((d, i) => {
    if (d === 1) return;
    const last = outDims.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * d)) {
      outDims[last] = outDims[last]! * d;
      strides.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outDims.push(d);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  });
  return { dims: outDims, strides: outStrides };
}

/** A dense copy of `v` expanded to `outBatch`: used when batch strides can't be folded to three dims. */
function denseExpanded(v: MatView, outBatch: readonly number[]): { view: MatView; temp: Tensor } {
  const shape = [...outBatch, v.rows, v.cols];
  const strides = [...alignedBatchStrides(v, outBatch), v.rs, v.cs];
  const expanded = v.tensor.view(shape, strides, v.offset);
  const temp = contiguous(expanded, true);
  expanded.dispose();
  return { view: matView(temp, 'row'), temp };
}

const MAX_BATCH_DIMS = 3;

/** Batched C = A·B over broadcast batch dims `outBatch`, as a GEMM request (no autograd). */
function stridedGemm(
  av: MatView,
  bv: MatView,
  outBatch: readonly number[],
  outShape: Shape,
  options: MatmulOptions,
  epilogue?: GemmRequest['epilogue'],
): Tensor {
  const temps: Tensor[] = [];
  let merged = mergeDims(outBatch, [alignedBatchStrides(av, outBatch), alignedBatchStrides(bv, outBatch)]);
  if (merged.dims.length > MAX_BATCH_DIMS) {
    const ea = denseExpanded(av, outBatch);
    const eb = denseExpanded(bv, outBatch);
    temps.push(ea.temp, eb.temp);
    av = ea.view;
    bv = eb.view;
    merged = mergeDims(outBatch, [alignedBatchStrides(av, outBatch), alignedBatchStrides(bv, outBatch)]);
  }
  const pad = MAX_BATCH_DIMS - merged.dims.length;
  const dims = [...new Array<number>(pad).fill(1), ...merged.dims];
  const sbA = [...new Array<number>(pad).fill(0), ...merged.strides[0]!] as [number, number, number];
  const sbB = [...new Array<number>(pad).fill(0), ...merged.strides[1]!] as [number, number, number];
  const bd: [number, number] = [dims[1]!, dims[2]!];
  const M = av.rows;
  const K = av.cols;
  const N = bv.cols;
  const la: StridedLayout = { off: av.offset, so: av.rs, sk: av.cs, sb: sbA, bd };
  const lb: StridedLayout = { off: bv.offset, so: bv.cs, sk: bv.rs, sb: sbB, bd };
  const vecA = stridedVec(la, M, K, dims);
  const vecB = stridedVec(lb, N, K, dims);
  const out = gemm(
    {
      a: {
        buffer: av.tensor.buffer,
        operand: (v) => stridedOperand('a', v ? vecA : 'none'),
        values: stridedOperandValues('a', la),
      },
      b: {
        buffer: bv.tensor.buffer,
        operand: (v) => stridedOperand('b', v ? vecB : 'none'),
        values: stridedOperandValues('b', lb),
      },
      epilogue,
      M,
      N,
      K,
      nbatch: sizeOf(outBatch),
      variant: options.variant,
      splits: options.splitK,
      describe: () => `matmul ${av.tensor.describe()} x ${bv.tensor.describe()}`,
    },
    outShape,
  );
  for (const t of temps) t.dispose();
  return out;
}

/**
 * Gradient of a broadcast operand: the sum over `outBatch` dims that `targetBatch` broadcasts
 * of L·R, shaped `targetShape`. When every batch dim is summed and the batch dims fold into the
 * contraction (dense operands), it is one GEMM with a longer k; otherwise per-batch products
 * summed afterwards.
 */
function summedProduct(
  L: MatView,
  R: MatView,
  outBatch: readonly number[],
  targetBatch: readonly number[],
  targetShape: Shape,
): Tensor {
  const lead = outBatch.length - targetBatch.length;
  const padded = outBatch.map((_, i) => (i < lead ? 1 : targetBatch[i - lead]!));
  if (shapesEqual(padded, outBatch)) return stridedGemm(L, R, outBatch, targetShape, {});
  const P = L.rows;
  const S = R.cols;
  if (padded.every((d) => d === 1)) {
    const Q = L.cols;
    const folded = mergeDims(
      [...outBatch, Q],
      [
        [...alignedBatchStrides(L, outBatch), L.cs],
        [...alignedBatchStrides(R, outBatch), R.rs],
      ],
    );
    if (folded.dims.length <= 1) {
      const kk = folded.dims[0] ?? 1;
      const lk: MatView = {
        ...L,
        batchShape: [],
        batchStrides: [],
        cols: kk,
        cs: folded.strides[0]![0] ?? 0,
      };
      const rk: MatView = {
        ...R,
        batchShape: [],
        batchStrides: [],
        rows: kk,
        rs: folded.strides[1]![0] ?? 0,
      };
      return stridedGemm(lk, rk, [], targetShape, {});
    }
    const nb = sizeOf(outBatch);
    const full = stridedGemm(L, R, outBatch, [nb * P * S], {});
    const out = Tensor.empty(targetShape);
    sumOuterInnerInto(full, out, nb, P * S, 1);
    full.dispose();
    return out;
  }
  const full = stridedGemm(L, R, outBatch, [...outBatch, P, S], {});
  const summed = sumToShape(full, [...padded, P, S]);
  const out = reshape(summed, targetShape);
  if (summed !== full) summed.dispose();
  full.dispose();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ops

/**
 * torch.matmul: 1-D operands are promoted (a row for `a`, a column for `b`) and the promoted dim
 * removed from the result; batch dims broadcast. Any layout is read through its strides, so
 * transposed, sliced and expanded views cost no copy.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(`matmul: ${a.describe()} x ${b.describe()}: scalar operand`);
  if (a.dtype !== 'f32' || b.dtype !== 'f32')
    throw new ShapeError(`matmul: ${a.describe()} x ${b.describe()}: f32 only`);
  const av = matView(a, 'row');
  const bv = matView(b, 'col');
  if (av.cols !== bv.rows) {
    throw new ShapeError(
      `matmul: ${a.describe()} x ${b.describe()}: inner dims ${av.cols} and ${bv.rows} differ`,
    );
  }
  const outBatch = broadcastShapes(av.batchShape, bv.batchShape, `matmul ${a.describe()} x ${b.describe()}`);
  const outShape = [...outBatch];
  if (a.ndim > 1) outShape.push(av.rows);
  if (b.ndim > 1) outShape.push(bv.cols);
  const out = stridedGemm(av, bv, outBatch, outShape, options);
  return recordOp(out, 'matmul', [a, b], (g) => {
    // g viewed as [...outBatch, M, N] (a 1-D operand's dim restored with stride 0).
    const gShape = [...outBatch, av.rows, bv.cols];
    const gStrides = [...g.strides];
    if (a.ndim === 1) gStrides.splice(outBatch.length, 0, 0);
    if (b.ndim === 1) gStrides.push(0);
    const gv: MatView = {
      tensor: g,
      offset: g.offset,
      batchShape: outBatch,
      batchStrides: gStrides.slice(0, outBatch.length),
      rows: gShape[outBatch.length]!,
      cols: gShape[outBatch.length + 1]!,
      rs: av.rows === 1 ? 0 : gStrides[outBatch.length]!,
      cs: bv.cols === 1 ? 0 : gStrides[outBatch.length + 1]!,
    };
    const ga = a.requiresGrad ? summedProduct(gv, transposed(bv), outBatch, av.batchShape, a.shape) : null;
    const gb = b.requiresGrad ? summedProduct(transposed(av), gv, outBatch, bv.batchShape, b.shape) : null;
    return [ga, gb];
  });
}

/** The rows of `t` ([..., cols]) as one strided [rows, cols] matrix, copying only if they can't be. */
function rowsView(t: Tensor): { view: MatView; temp: Tensor | null } {
  const cols = t.shape[t.ndim - 1]!;
  const lead = t.shape.slice(0, -1);
  const merged = mergeDims(lead, [t.strides.slice(0, -1)]);
  if (merged.dims.length <= 1) {
    const rows = merged.dims[0] ?? 1;
    return {
      view: {
        tensor: t,
        offset: t.offset,
        batchShape: [],
        batchStrides: [],
        rows,
        cols,
        rs: rows === 1 ? 0 : merged.strides[0]![0]!,
        cs: cols === 1 ? 0 : t.strides[t.ndim - 1]!,
      },
      temp: null,
    };
  }
  const dense = contiguous(t);
  return { view: rowsView(dense).view, temp: dense };
}

/**
 * torch.nn.functional.linear: x[..., in] · weight[out, in]ᵀ + bias[out], the weight read
 * transposed in place and the bias added in the GEMM's epilogue.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null, options: MatmulOptions = {}): Tensor {
  if (x.ndim === 0 || weight.ndim !== 2) {
    throw new ShapeError(`linear: input ${x.describe()}, weight ${weight.describe()} (expected [out, in])`);
  }
  const [outF, inF] = weight.shape as [number, number];
  if (x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input ${x.describe()} has ${x.shape[x.ndim - 1]} features, weight ${weight.describe()} wants ${inF}`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias ${bias.describe()} for weight ${weight.describe()}`);
  }
  const outShape = [...x.shape.slice(0, -1), outF];
  const { view: xv, temp } = rowsView(x);
  const wt = transposed(matView(weight, 'row'));
  const b = bias ? contiguous(bias) : null;
  const epilogue = b
    ? { spec: biasEpilogue('n'), buffers: [b.buffer], values: { e_off: b.offset } }
    : undefined;
  const out = stridedGemm(xv, wt, [], outShape, { variant: options.variant }, epilogue);
  if (temp) temp.dispose();
  if (b && b !== bias) b.dispose();
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'linear', inputs, (g) => {
    const { view: gv, temp: gTemp } = rowsView(g);
    const gx = x.requiresGrad ? stridedGemm(gv, matView(weight, 'row'), [], x.shape, {}) : null;
    let gw: Tensor | null = null;
    if (weight.requiresGrad) {
      const { view: xr, temp: xTemp } = rowsView(x);
      gw = stridedGemm(transposed(gv), xr, [], weight.shape, {});
      if (xTemp) xTemp.dispose();
    }
    const gb = bias?.requiresGrad ? sumOuterInner(g, gv.rows, outF, 1) : null;
    if (gTemp) gTemp.dispose();
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}
