/**
 * Scaled-dot-product attention: `attention(q, k, v, options)` = softmax(q·kᵀ·scale + bias +
 * mask)·v over [B, H, L, D] tensors, fused (our flash-attention WGSL kernels, forward and
 * backward) or, only when asked for, unfused (engine ops: matmul, softmax, ...).
 *
 * Semantics, the same on both paths:
 *  - bias: one or two additive terms, each broadcastable to [B, H, Lq, Lk] (right-aligned,
 *    NumPy rules). With `biasBatchModulo`, a term's batch dim n may be any divisor of B and
 *    batch b reads term[b mod n]: Swin's shift mask [nW, 1, L, L] with B = images·nW
 *    (windows batch-major). Terms are differentiable; their gradients are summed over what
 *    they broadcast (Swin's relative-position bias [1, H, L, L] gets Σ over all windows).
 *  - mask: u32/i32 (nonzero = blocked) or f32 additive (-inf = blocked), shaped
 *    [B·H | B | 1, Lq | 1, Lk] (index b·H + h, as Mask2Former repeats it over heads),
 *    [B|1, H|1, Lq|1, Lk] or [Lq|1, Lk]. Never differentiated. A row whose mask blocks every
 *    key is treated as unmasked — Mask2Former does `attn_mask[attn_mask.sum(-1) == L] = False`
 *    before its attention; here it is part of the op.
 *  - a row whose logits are all -inf (bias -inf everywhere, or no keys) outputs 0 with zero
 *    gradients (softmax would give NaN).
 * q, k and v may be any strided views (heads split from a fused qkv projection, transposed
 * layouts): the kernels read them through their strides without copies.
 *
 * Fused kernels (shaders/attention/): 'tiled' flash-attention kernels for GPUs (forward with
 * online softmax and optional key splits, backward as dQ + dK/dV kernels recomputing P from the
 * saved logsumexp) and 'rowwise' kernels with the same semantics for CPU adapters, where
 * workgroup memory and barriers cost more than they save. Both keep O(L) memory per row.
 */
import { foldGrid } from '../commands.js';
import {
  attentionDkvKernel,
  attentionDqKernel,
  attentionPrepKernel,
} from '../../shaders/attention/backward.js';
import { attentionCombineKernel, attentionForwardKernel } from '../../shaders/attention/forward.js';
import { rowwiseDkvKernel, rowwiseDqKernel, rowwiseForwardKernel } from '../../shaders/attention/rowwise.js';
import {
  type AttentionKernelKind,
  type AttentionTilePlan,
  MASK_KIND_CODE,
  type MaskKind,
  type OperandLayout,
  type TermLayout,
  operandValues,
  planTiles,
  termValues,
} from '../../shaders/attention/layout.js';
import type { BufferBinding, ParamValues } from '../commands.js';
import type { KernelSpec } from '../kernel.js';
import { needsGrad, noGrad, recordOp } from '../autograd.js';
import { EngineError, ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { contiguousStrides, formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { zeros } from './copy.js';
import { add, eq, mul, where } from './elementwise.js';
import { matmul, sumOuterInnerInto } from './matmul.js';
import { max, sumToShape } from './reduce.js';
import { softmax } from './softmax.js';
import { expand, permute, reshape, transpose } from './view.js';

export type AttentionImplementation = 'fused' | 'unfused';

export interface AttentionOptions {
  /** Multiplies q·kᵀ; default 1/√D. */
  scale?: number;
  /** One or two additive terms broadcastable to [B, H, Lq, Lk]; differentiable. */
  bias?: Tensor | readonly Tensor[] | null;
  /** Bias terms' batch dim may be any divisor n of B; batch b reads term[b mod n]. */
  biasBatchModulo?: boolean;
  /** Boolean (u32/i32) or additive (f32) mask; fully blocked rows are treated as unmasked. */
  mask?: Tensor | null;
  /** 'fused' (default) or 'unfused' (engine ops; a reference and an explicit fallback). */
  implementation?: AttentionImplementation;
  /**
   * Physical layout of the output: 'bhld' (default) is dense [B, H, Lq, Dv]; 'blhd' is dense
   * [B, Lq, H, Dv] returned as a [B, H, Lq, Dv] view, so merging heads afterwards is free.
   */
  outputLayout?: 'bhld' | 'blhd';
  /**
   * Which fused kernels: 'tiled' (flash-attention tiles in workgroup memory: GPUs), 'rowwise'
   * (one invocation per few rows, no workgroup memory: CPU adapters, where workgroup memory and
   * barriers are slow) or 'auto' (default: rowwise on CPU adapters, tiled elsewhere).
   */
  kernels?: 'auto' | 'tiled' | 'rowwise';
  /**
   * Number of key splits of the tiled forward and dQ kernels (tuning and tests); default
   * automatic (more splits when few workgroups would otherwise walk many keys). Rowwise: unused.
   */
  keySplits?: number;
}

// ---------------------------------------------------------------------------------------------
// Validation and normalisation (shared by both paths)

interface Dims {
  B: number;
  H: number;
  Lq: number;
  Lk: number;
  D: number;
  Dv: number;
}

/** An additive term over [B, H, Lq, Lk] as a 4-D [n, h, q, k] view with (b mod n) batches. */
interface Term {
  tensor: Tensor;
  shape4: [number, number, number, number];
  layout: TermLayout;
}

interface Mask extends Term {
  kind: Exclude<MaskKind, 'none'>;
}

interface Problem {
  dims: Dims;
  scale: number;
  terms: Term[];
  mask: Mask | null;
}

function describeAll(q: Tensor, k: Tensor, v: Tensor): string {
  return `attention(q ${q.describe()}, k ${k.describe()}, v ${v.describe()})`;
}

function termFrom(tensor: Tensor, shape4: readonly number[], strides4: readonly number[]): Term {
  const s = shape4.map((d, i) => (d === 1 ? 0 : strides4[i]!));
  return {
    tensor,
    shape4: [shape4[0]!, shape4[1]!, shape4[2]!, shape4[3]!],
    layout: { off: tensor.offset, n: shape4[0]!, sb: s[0]!, sh: s[1]!, sq: s[2]!, sk: s[3]! },
  };
}

function checkTermDims(shape4: readonly number[], dims: Dims, modulo: boolean, what: string): void {
  const [n, h, lq, lk] = shape4 as [number, number, number, number];
  const batchOk = modulo ? n >= 1 && dims.B % n === 0 : n === 1 || n === dims.B;
  const ok =
    batchOk && (h === 1 || h === dims.H) && (lq === 1 || lq === dims.Lq) && (lk === 1 || lk === dims.Lk);
  if (!ok) {
    const batch = modulo ? `a divisor of ${dims.B}` : `1 or ${dims.B}`;
    throw new ShapeError(
      `attention: ${what} ${formatShape(shape4)} does not broadcast to [${dims.B},${dims.H},${dims.Lq},${dims.Lk}] ` +
        `(batch dim must be ${batch}, the others 1 or full)`,
    );
  }
}

function biasTerm(t: Tensor, dims: Dims, modulo: boolean): Term {
  if (t.dtype !== 'f32') throw new EngineError(`attention: bias ${t.describe()} must be f32`);
  if (t.ndim > 4) throw new ShapeError(`attention: bias ${t.describe()} has more than 4 dims`);
  const pad = 4 - t.ndim;
  const shape4 = [...new Array<number>(pad).fill(1), ...t.shape];
  checkTermDims(shape4, dims, modulo, `bias ${t.describe()}`);
  return termFrom(t, shape4, [...new Array<number>(pad).fill(0), ...t.strides]);
}

function maskTerm(m: Tensor, dims: Dims): Mask {
  const kind = m.dtype === 'f32' ? 'add' : 'bool';
  let shape4: number[];
  let strides4: number[];
  if (m.ndim === 4) {
    shape4 = [...m.shape];
    strides4 = [...m.strides];
  } else if (m.ndim === 3) {
    const [n, lq, lk] = m.shape as [number, number, number];
    const [s0, s1, s2] = m.strides as [number, number, number];
    if (n === dims.B * dims.H && n !== 1) {
      // Mask2Former's [B·H, Q, HW]: row b·H + h.
      shape4 = [dims.B, dims.H, lq, lk];
      strides4 = [dims.H * s0, s0, s1, s2];
    } else {
      shape4 = [n, 1, lq, lk];
      strides4 = [s0, 0, s1, s2];
    }
  } else if (m.ndim === 2) {
    shape4 = [1, 1, ...m.shape];
    strides4 = [0, 0, ...m.strides];
  } else {
    throw new ShapeError(`attention: mask ${m.describe()} must have 2, 3 or 4 dims`);
  }
  checkTermDims(shape4, dims, false, `mask ${m.describe()}`);
  return { ...termFrom(m, shape4, strides4), kind };
}

function problemOf(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Problem {
  for (const t of [q, k, v]) {
    if (t.ndim !== 4) throw new ShapeError(`${describeAll(q, k, v)}: q, k, v must be [B, H, L, D]`);
    if (t.dtype !== 'f32') throw new EngineError(`${describeAll(q, k, v)}: q, k, v must be f32`);
  }
  const [B, H, Lq, D] = q.shape as [number, number, number, number];
  const [, , Lk, Dv] = v.shape as [number, number, number, number];
  if (k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== D) {
    throw new ShapeError(`${describeAll(q, k, v)}: k must be [${B}, ${H}, Lk, ${D}]`);
  }
  if (v.shape[0] !== B || v.shape[1] !== H || v.shape[2] !== k.shape[2]) {
    throw new ShapeError(`${describeAll(q, k, v)}: v must be [${B}, ${H}, ${k.shape[2]}, Dv]`);
  }
  const dims = { B, H, Lq, Lk, D, Dv };
  const bias = options.bias ?? [];
  const list: readonly Tensor[] = bias instanceof Tensor ? [bias] : bias;
  if (list.length > 2) throw new EngineError(`attention: at most two bias terms, got ${list.length}`);
  const scale = options.scale ?? 1 / Math.sqrt(Math.max(D, 1));
  if (!Number.isFinite(scale)) throw new EngineError(`attention: scale ${scale}`);
  return {
    dims,
    scale,
    terms: list.map((t) => biasTerm(t, dims, options.biasBatchModulo ?? false)),
    mask: options.mask ? maskTerm(options.mask, dims) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Fused path

function operandLayout(t: Tensor): OperandLayout {
  const [sb, sh, sl, sx] = t.strides as [number, number, number, number];
  return { off: t.offset, sb, sh, sl, sx };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Materialises term t ([n, ...]) at batch count N (a multiple of n) by the (b mod n) rule. */
function termAtBatch(t: Term, N: number): Tensor {
  const [n, h, lq, lk] = t.shape4;
  const t4 = reshape(t.tensor, t.shape4);
  if (n === N) return t4;
  return reshape(expand(reshape(t4, [1, n, h, lq, lk]), [N / n, n, h, lq, lk]), [N, h, lq, lk]);
}

/** The kernels take one bias binding: two terms are added first (a small [n, h, q, k] tensor). */
function kernelBias(terms: readonly Term[]): Term | null {
  if (terms.length === 0) return null;
  if (terms.length === 1) return terms[0]!;
  return noGrad(() => {
    const [a, b] = terms as [Term, Term];
    const N = (a.shape4[0] * b.shape4[0]) / gcd(a.shape4[0], b.shape4[0]);
    const sum = add(termAtBatch(a, N), termAtBatch(b, N));
    return termFrom(sum, sum.shape, contiguousStrides(sum.shape));
  });
}

function plan(kind: AttentionKernelKind, dims: Dims): AttentionTilePlan {
  const gpu = engine().gpu;
  const limits = {
    maxThreads: Math.min(gpu.limits.maxComputeInvocationsPerWorkgroup, gpu.limits.maxComputeWorkgroupSizeX),
    maxSharedBytes: gpu.limits.maxComputeWorkgroupStorageSize,
    isCpu: gpu.report.isCpu,
  };
  const p = planTiles(kind, dims.D, dims.Dv, limits);
  if (!p) {
    throw new EngineError(
      `attention: head dims D=${dims.D}, Dv=${dims.Dv} do not fit the fused ${kind} kernel in ` +
        `${limits.maxSharedBytes} bytes of workgroup memory; pass implementation: 'unfused'`,
    );
  }
  return p;
}

type KernelFamily = 'tiled' | 'rowwise';

function kernelFamily(choice: AttentionOptions['kernels']): KernelFamily {
  const c = choice ?? 'auto';
  if (c === 'tiled' || c === 'rowwise') return c;
  if (c !== 'auto') throw new EngineError(`attention: unknown kernels '${String(c)}'`);
  return engine().gpu.report.isCpu ? 'rowwise' : 'tiled';
}

/**
 * Rows (or keys) per invocation of the rowwise kernels: each loaded key/value serves that many
 * rows, as long as the per-row vectors (vec4 registers) stay few enough not to spill badly.
 */
function rowsPerInvocation(kind: AttentionKernelKind, dims: Dims): number {
  const d4 = Math.ceil(dims.D / 4);
  const dv4 = Math.ceil(dims.Dv / 4);
  const perRow = kind === 'forward' ? d4 + dv4 : kind === 'dq' ? 2 * d4 + dv4 : 2 * (d4 + dv4);
  return perRow <= 32 ? 4 : perRow <= 64 ? 2 : 1;
}

/** Workgroups the GPU should have in flight before splitting keys (≈ 4 per SM of a large GPU). */
const TARGET_WORKGROUPS = 512;

function keySplits(
  baseGroups: number,
  Lk: number,
  cols: number,
  forced: number | undefined,
): [number, number] {
  const tiles = Math.max(1, Math.ceil(Lk / cols));
  let n: number;
  if (forced !== undefined) n = Math.max(1, Math.min(Math.floor(forced), tiles));
  else if (engine().gpu.report.isCpu) n = 1;
  else
    n = Math.max(1, Math.min(Math.ceil(tiles / 4), Math.ceil(TARGET_WORKGROUPS / Math.max(baseGroups, 1))));
  const splitKeys = Math.ceil(tiles / n) * cols;
  return [Math.max(1, Math.ceil(Lk / splitKeys)), splitKeys];
}

function dispatchGrid(
  spec: KernelSpec,
  buffers: readonly BufferBinding[],
  params: ParamValues,
  groups: number,
  describe: () => string,
): void {
  const grid = foldGrid(groups, engine().gpu.limits.maxComputeWorkgroupsPerDimension);
  engine().stream.dispatch(spec, buffers, params, grid, describe);
}

/** The bias and mask bindings; an absent one is bound to `spare` (the kernels never read it). */
function termBuffers(bias: Term | null, mask: Mask | null, spare: Tensor): BufferBinding[] {
  return [{ buffer: (bias?.tensor ?? spare).buffer }, { buffer: (mask?.tensor ?? spare).buffer }];
}

const NO_TERM: TermLayout = { off: 0, n: 1, sb: 0, sh: 0, sq: 0, sk: 0 };

function termParamValues(bias: Term | null, mask: Mask | null): Record<string, number> {
  return {
    has_bias: bias ? 1 : 0,
    mask_kind: MASK_KIND_CODE[mask?.kind ?? 'none'],
    ...termValues('bias', bias?.layout ?? NO_TERM),
    ...termValues('mask', mask?.layout ?? NO_TERM),
  };
}

interface ForwardResult {
  out: Tensor;
  /** [rows, 4]: (logsumexp, mask-ignored flag, 0, 0) per (b, h, i). */
  stats: Tensor;
}

function fusedForward(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  pr: Problem,
  bias: Term | null,
  layout: 'bhld' | 'blhd',
  family: KernelFamily,
  forcedSplits: number | undefined,
  describe: () => string,
): ForwardResult {
  const { B, H, Lq, Lk, Dv } = pr.dims;
  const mask = pr.mask;
  let out: Tensor;
  if (layout === 'blhd') {
    const base = Tensor.empty([B, Lq, H, Dv]);
    out = base.view([B, H, Lq, Dv], [Lq * H * Dv, Dv, H * Dv, 1], 0);
    base.dispose();
  } else {
    out = Tensor.empty([B, H, Lq, Dv]);
  }
  const rows = B * H * Lq;
  const stats = Tensor.empty([rows, 4]);
  if (rows === 0) return { out, stats };
  const inputs: BufferBinding[] = [
    { buffer: q.buffer },
    { buffer: k.buffer },
    { buffer: v.buffer },
    ...termBuffers(bias, mask, q),
  ];
  const common = {
    heads: H,
    lq: Lq,
    lk: Lk,
    scale: pr.scale,
    ...operandValues('q', operandLayout(q)),
    ...operandValues('k', operandLayout(k)),
    ...operandValues('v', operandLayout(v)),
    ...operandValues('o', operandLayout(out)),
    ...termParamValues(bias, mask),
  };
  if (family === 'rowwise') {
    const per = rowsPerInvocation('forward', pr.dims);
    const groups = Math.ceil(Lq / per);
    engine().stream.dispatch1D(
      rowwiseForwardKernel(pr.dims.D, Dv, per),
      [...inputs, { buffer: out.buffer }, { buffer: stats.buffer }],
      { ...common, groups, total: B * H * groups },
      B * H * groups,
      describe,
    );
    return { out, stats };
  }
  const p = plan('forward', pr.dims);
  const qTiles = Math.ceil(Lq / p.rows);
  const base = B * H * qTiles;
  const [nSplit, splitKeys] = keySplits(base, Lk, p.cols, forcedSplits);
  const params: Record<string, number> = {
    ...common,
    q_tiles: qTiles,
    n_split: nSplit,
    split_keys: splitKeys,
    total_wg: base * nSplit,
    rows_total: rows,
  };
  const spec = attentionForwardKernel({ plan: p });
  const outValues = operandValues('o', operandLayout(out));
  if (nSplit === 1) {
    dispatchGrid(
      spec,
      [...inputs, { buffer: out.buffer }, { buffer: stats.buffer }],
      { ...params, write_partial: 0 },
      base,
      describe,
    );
    return { out, stats };
  }
  const dv4 = p.dv4;
  const pacc = Tensor.empty([nSplit * rows * dv4 * 4]);
  const pstat = Tensor.empty([nSplit * rows * 4]);
  dispatchGrid(
    spec,
    [...inputs, { buffer: pacc.buffer }, { buffer: pstat.buffer }],
    { ...params, write_partial: 1 },
    base * nSplit,
    describe,
  );
  engine().stream.dispatch1D(
    attentionCombineKernel(Dv),
    [{ buffer: pacc.buffer }, { buffer: pstat.buffer }, { buffer: out.buffer }, { buffer: stats.buffer }],
    {
      total: rows * dv4,
      rows_total: rows,
      n_split: nSplit,
      heads: H,
      lq: Lq,
      has_mask: mask ? 1 : 0,
      ...outValues,
    },
    rows * dv4,
    describe,
  );
  pacc.dispose();
  pstat.dispose();
  return { out, stats };
}

/** A new dense tensor of `shape` copied from `src`'s buffer starting at element `from`. */
function copyOut(src: Tensor, from: number, shape: readonly number[]): Tensor {
  const t = Tensor.empty(shape);
  engine().stream.copy(src.buffer, from * 4, t.buffer, 0, sizeOf(shape) * 4);
  return t;
}

/** The gradient of one term from dS [B, H, Lq, Lk]: summed over the batches and dims it broadcasts. */
function termGradient(dS: Tensor, t: Term, dims: Dims): Tensor {
  const n = t.shape4[0];
  const grouped = n === dims.B ? dS : reshape(dS, [dims.B / n, n, dims.H, dims.Lq, dims.Lk]);
  return reshape(sumToShape(grouped, t.shape4), t.tensor.shape);
}

function fusedBackward(
  g: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  fwd: ForwardResult,
  pr: Problem,
  bias: Term | null,
  family: KernelFamily,
  forcedSplits: number | undefined,
  describe: () => string,
): (Tensor | null)[] {
  const { B, H, Lq, Lk, D, Dv } = pr.dims;
  const mask = pr.mask;
  const termGrads = pr.terms.map((t) => t.tensor.requiresGrad);
  const wantDs = termGrads.some((x) => x);
  const nq = B * H * Lq * D;
  const nk = B * H * Lk * D;
  const nv = B * H * Lk * Dv;
  const rows = B * H * Lq;
  if (rows === 0 || Lk === 0) {
    return [
      q.requiresGrad ? zeros(q.shape) : null,
      k.requiresGrad ? zeros(k.shape) : null,
      v.requiresGrad ? zeros(v.shape) : null,
      ...pr.terms.map((t, i) => (termGrads[i] ? zeros(t.tensor.shape) : null)),
    ];
  }
  const rowinfo = Tensor.empty([rows, 4]);
  engine().stream.dispatch1D(
    attentionPrepKernel(Dv),
    [
      { buffer: fwd.out.buffer },
      { buffer: g.buffer },
      { buffer: fwd.stats.buffer },
      { buffer: rowinfo.buffer },
    ],
    {
      rows_total: rows,
      heads: H,
      lq: Lq,
      ...operandValues('o', operandLayout(fwd.out)),
      ...operandValues('g', operandLayout(g)),
    },
    rows,
    describe,
  );
  const inputs: BufferBinding[] = [
    { buffer: q.buffer },
    { buffer: k.buffer },
    { buffer: v.buffer },
    { buffer: g.buffer },
    ...termBuffers(bias, mask, q),
    { buffer: rowinfo.buffer },
  ];
  const common = {
    heads: H,
    lq: Lq,
    lk: Lk,
    scale: pr.scale,
    ...operandValues('q', operandLayout(q)),
    ...operandValues('k', operandLayout(k)),
    ...operandValues('v', operandLayout(v)),
    ...operandValues('g', operandLayout(g)),
    ...termParamValues(bias, mask),
  };
  let dq: Tensor | null = null;
  const dterms: (Tensor | null)[] = pr.terms.map(() => null);
  if (q.requiresGrad || wantDs) {
    const buf = Tensor.empty([nq + (wantDs ? rows * Lk : 0)]);
    const flags = { second_off: nq, write_ds: wantDs ? 1 : 0 };
    if (family === 'rowwise') {
      const per = rowsPerInvocation('dq', pr.dims);
      const groups = Math.ceil(Lq / per);
      engine().stream.dispatch1D(
        rowwiseDqKernel(D, Dv, per),
        [...inputs, { buffer: buf.buffer }],
        { ...common, ...flags, groups, total: B * H * groups },
        B * H * groups,
        describe,
      );
    } else {
      const p = plan('dq', pr.dims);
      const tiles = Math.ceil(Lq / p.rows);
      const [nSplit, splitKeys] = keySplits(B * H * tiles, Lk, p.cols, forcedSplits);
      const partial = nSplit > 1 ? Tensor.empty([nSplit * nq + (wantDs ? rows * Lk : 0)]) : buf;
      const splitFlags = { ...flags, second_off: nSplit * nq, n_split: nSplit, split_keys: splitKeys };
      dispatchGrid(
        attentionDqKernel(p),
        [...inputs, { buffer: partial.buffer }],
        { ...common, ...splitFlags, rows_total: rows, tiles, total_wg: B * H * tiles * nSplit },
        B * H * tiles * nSplit,
        describe,
      );
      if (partial !== buf) {
        // Σ over the key splits into dQ; dS (if any) moves to where the code below reads it.
        sumOuterInnerInto(partial, buf, nSplit, nq, 1);
        if (wantDs) engine().stream.copy(partial.buffer, nSplit * nq * 4, buf.buffer, nq * 4, rows * Lk * 4);
        partial.dispose();
      }
    }
    if (wantDs) {
      const dS = buf.view([B, H, Lq, Lk], contiguousStrides([B, H, Lq, Lk]), nq);
      pr.terms.forEach((t, i) => {
        if (termGrads[i]) dterms[i] = termGradient(dS, t, pr.dims);
      });
      dS.dispose();
      if (q.requiresGrad) dq = copyOut(buf, 0, q.shape);
      buf.dispose();
    } else {
      dq = reshape(buf, q.shape);
      buf.dispose();
    }
  }
  let dk: Tensor | null = null;
  let dv: Tensor | null = null;
  if (k.requiresGrad || v.requiresGrad) {
    const buf = Tensor.empty([nk + nv]);
    const flags = { second_off: nk, write_ds: 0 };
    if (family === 'rowwise') {
      const per = rowsPerInvocation('dkv', pr.dims);
      const groups = Math.ceil(Lk / per);
      engine().stream.dispatch1D(
        rowwiseDkvKernel(D, Dv, per),
        [...inputs, { buffer: buf.buffer }],
        { ...common, ...flags, groups, total: B * H * groups },
        B * H * groups,
        describe,
      );
    } else {
      const p = plan('dkv', pr.dims);
      const tiles = Math.ceil(Lk / p.rows);
      dispatchGrid(
        attentionDkvKernel(p),
        [...inputs, { buffer: buf.buffer }],
        { ...common, ...flags, rows_total: rows, n_split: 1, split_keys: Lk, tiles, total_wg: B * H * tiles },
        B * H * tiles,
        describe,
      );
    }
    if (k.requiresGrad) dk = copyOut(buf, 0, k.shape);
    if (v.requiresGrad) dv = copyOut(buf, nk, v.shape);
    buf.dispose();
  }
  rowinfo.dispose();
  return [dq, dk, dv, ...dterms];
}

function attentionFused(q: Tensor, k: Tensor, v: Tensor, pr: Problem, options: AttentionOptions): Tensor {
  const describe = () =>
    `${describeAll(q, k, v)}${pr.terms.map((t) => ` bias ${t.tensor.describe()}`).join('')}` +
    `${pr.mask ? ` mask ${pr.mask.tensor.describe()}` : ''}`;
  const bias = kernelBias(pr.terms);
  const family = kernelFamily(options.kernels);
  const fwd = fusedForward(
    q,
    k,
    v,
    pr,
    bias,
    options.outputLayout ?? 'bhld',
    family,
    options.keySplits,
    describe,
  );
  const inputs = [q, k, v, ...pr.terms.map((t) => t.tensor)];
  if (!needsGrad(...inputs)) {
    fwd.stats.dispose();
    if (bias && !pr.terms.includes(bias)) bias.tensor.dispose();
    return fwd.out;
  }
  return recordOp(fwd.out, 'attention', inputs, (g) =>
    fusedBackward(g, q, k, v, fwd, pr, bias, family, options.keySplits, describe),
  );
}

// ---------------------------------------------------------------------------------------------
// Unfused path (engine ops)

/** s + term with the term's (b mod n) batch rule, as a broadcast add. */
function addTerm(s: Tensor, t: Term, dims: Dims): Tensor {
  const n = t.shape4[0];
  const t4 = reshape(t.tensor, t.shape4);
  if (n === 1 || n === dims.B) return add(s, t4);
  const grouped = reshape(s, [dims.B / n, n, dims.H, dims.Lq, dims.Lk]);
  return reshape(add(grouped, reshape(t4, [1, ...t.shape4])), [dims.B, dims.H, dims.Lq, dims.Lk]);
}

/** The mask as an additive term, with fully blocked rows set to 0 (Mask2Former's rule). */
function effectiveMask(m: Mask): Term {
  return noGrad(() => {
    const m4 = reshape(m.tensor, m.shape4);
    const additive = m.kind === 'bool' ? where(m4, -Infinity, 0) : m4;
    const fullyBlocked = eq(max(additive, -1, true), -Infinity);
    const fixed = where(fullyBlocked, 0, additive);
    return termFrom(fixed, fixed.shape, contiguousStrides(fixed.shape));
  });
}

function attentionUnfusedImpl(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  pr: Problem,
  options: AttentionOptions,
): Tensor {
  const { dims } = pr;
  let out: Tensor;
  if (dims.Lk === 0) {
    out = zeros([dims.B, dims.H, dims.Lq, dims.Dv]);
  } else {
    let s = mul(matmul(q, transpose(k, -2, -1)), pr.scale);
    for (const t of pr.terms) s = addTerm(s, t, dims);
    if (pr.mask) s = addTerm(s, effectiveMask(pr.mask), dims);
    // Rows with every logit -inf give 0 (softmax alone would give NaN).
    const dead = noGrad(() => eq(max(s, -1, true), -Infinity));
    const p = where(dead, 0, softmax(where(dead, 0, s), -1));
    out = matmul(p, v);
  }
  if ((options.outputLayout ?? 'bhld') === 'blhd') {
    const merged = permute(out, [0, 2, 1, 3]);
    const dense = reshape(merged, [dims.B, dims.Lq, dims.H * dims.Dv]);
    return permute(reshape(dense, [dims.B, dims.Lq, dims.H, dims.Dv]), [0, 2, 1, 3]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ops

/**
 * softmax(q·kᵀ·scale + bias + mask)·v for q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv]
 * → [B, H, Lq, Dv]. Fused by default; `implementation: 'unfused'` runs engine ops instead.
 * See the file comment for the bias, mask and -inf semantics.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const pr = problemOf(q, k, v, options);
  const impl = options.implementation ?? 'fused';
  if (impl === 'unfused') return attentionUnfusedImpl(q, k, v, pr, options);
  if (impl !== 'fused') throw new EngineError(`attention: unknown implementation '${String(impl)}'`);
  return attentionFused(q, k, v, pr, options);
}

/** The same op built from engine ops (matmul, softmax, where, ...): `attention(..., {implementation: 'unfused'})`. */
export function attentionUnfused(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  return attention(q, k, v, { ...options, implementation: 'unfused' });
}
