import {
  groupNormInputGradKernel,
  groupNormForwardKernel,
  groupNormParamGradKernel,
  groupNormWorkgroup,
} from '../../shaders/norm/group-norm.js';
import {
  LN_PARAM_GRAD_WG,
  layerNormForwardKernel,
  layerNormInputGradKernel,
  layerNormParamGradKernel,
} from '../../shaders/norm/layer-norm.js';
import {
  groupNormForwardSerialKernel,
  groupNormInputGradSerialKernel,
  groupNormParamGradSerialKernel,
} from '../../shaders/norm/group-norm-serial.js';
import {
  layerNormForwardSerialKernel,
  layerNormInputGradSerialKernel,
  layerNormParamGradSerialKernel,
} from '../../shaders/norm/layer-norm-serial.js';
import { rowLayout } from '../../shaders/norm/row-reduce.js';
import { recordOp } from '../autograd.js';
import { foldGrid } from '../commands.js';
import { ShapeError } from '../errors.js';
import type { KernelSpec } from '../kernel.js';
import { engine } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { sumOuterInner } from './matmul.js';
import { useSerialKernels } from './reduce-policy.js';

/** Normalised output and the statistics the backward pass reuses. */
export interface NormResult {
  y: Tensor;
  /** Per row (layer norm) or per (n, group) (group norm). */
  mean: Tensor;
  rstd: Tensor;
}

/**
 * The kernel variants: GPUs get one workgroup per row/group with workgroup reductions
 * (`dispatchGroups`); CPU adapters (`useSerialKernels`) get the serial kernels, one invocation per
 * row/group/channel without barriers, dispatched here like dispatch1D.
 */
function dispatchSerial(
  spec: KernelSpec,
  buffers: GPUBuffer[],
  params: Record<string, number>,
  items: number,
  describe: () => string,
): void {
  engine().stream.dispatch1D(
    spec,
    buffers.map((buffer) => ({ buffer })),
    params,
    items,
    describe,
  );
}

/** One workgroup per row/group, the grid folded past 65,535 (kernels use flat_workgroup_index). */
function dispatchGroups(
  spec: KernelSpec,
  buffers: GPUBuffer[],
  params: Record<string, number>,
  groups: number,
  describe: () => string,
): void {
  const grid = foldGrid(groups, engine().gpu.limits.maxComputeWorkgroupsPerDimension);
  engine().stream.dispatch(
    spec,
    buffers.map((buffer) => ({ buffer })),
    params,
    grid,
    describe,
  );
}

function checkAffine(what: string, t: Tensor | null | undefined, size: number, x: Tensor): Tensor | null {
  if (!t) return null;
  if (t.ndim !== 1 || t.shape[0] !== size) {
    throw new ShapeError(`${what} ${t.describe()} for input ${x.describe()}: expected [${size}]`);
  }
  return contiguous(t);
}

function disposeCopies(pairs: readonly [Tensor | null, Tensor | null | undefined][]): void {
  for (const [dense, orig] of pairs) if (dense && dense !== orig) dense.dispose();
}

// ---------------------------------------------------------------------------------------------
// Layer norm

/** Layer norm over the last dim without autograd: y, and mean/rstd per row. */
export function layerNormForward(
  x: Tensor,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): NormResult {
  if (x.ndim === 0) throw new ShapeError(`layerNorm: ${x.describe()} has no last dim`);
  const C = x.shape[x.ndim - 1]!;
  if (C === 0) throw new ShapeError(`layerNorm: ${x.describe()} has an empty last dim`);
  const R = x.size / C;
  const w = checkAffine('layerNorm: weight', weight, C, x);
  const b = checkAffine('layerNorm: bias', bias, C, x);
  const xd = contiguous(x);
  const y = Tensor.empty(x.shape);
  const rowShape = x.shape.slice(0, -1);
  const mean = Tensor.empty(rowShape);
  const rstd = Tensor.empty(rowShape);
  if (R > 0) {
    const buffers = [xd, ...(w ? [w] : []), ...(b ? [b] : []), y, mean, rstd].map((t) => t.buffer);
    const describe = () => `layerNorm ${x.describe()}`;
    if (useSerialKernels()) {
      dispatchSerial(layerNormForwardSerialKernel(!!w, !!b), buffers, { R, C, eps }, R, describe);
    } else {
      const wg = rowLayout(C);
      dispatchGroups(
        layerNormForwardKernel(wg, !!w, !!b),
        buffers,
        { R, C, eps },
        Math.ceil(R / wg[1]),
        describe,
      );
    }
  }
  disposeCopies([
    [xd, x],
    [w, weight],
    [b, bias],
  ]);
  return { y, mean, rstd };
}

/** Weight and bias gradients of layer norm: column sums over rows, chunked on GPUs. */
function layerNormParamGrads(
  xd: Tensor,
  gd: Tensor,
  mean: Tensor,
  rstd: Tensor,
  R: number,
  C: number,
): [Tensor, Tensor] {
  if (useSerialKernels()) {
    const dw = Tensor.empty([C]);
    const db = Tensor.empty([C]);
    dispatchSerial(
      layerNormParamGradSerialKernel,
      [xd, gd, mean, rstd, dw, db].map((t) => t.buffer),
      { R, C },
      C,
      () => `layerNorm weight grad ${xd.describe()}`,
    );
    return [dw, db];
  }
  // Chunks of >= 256 rows: parallelism on GPUs for tall inputs, one pass for short ones.
  const chunksWanted = Math.min(64, Math.max(1, Math.floor(R / 256)));
  const rowsPerChunk = Math.max(1, Math.ceil(R / chunksWanted));
  const chunks = Math.max(1, Math.ceil(R / rowsPerChunk));
  const dw = Tensor.empty(chunks === 1 ? [C] : [chunks, C]);
  const db = Tensor.empty(chunks === 1 ? [C] : [chunks, C]);
  engine().stream.dispatch(
    layerNormParamGradKernel,
    [xd, gd, mean, rstd, dw, db].map((t) => ({ buffer: t.buffer })),
    { R, C, rows_per_chunk: rowsPerChunk },
    [Math.ceil(C / LN_PARAM_GRAD_WG[0]), chunks, 1],
    () => `layerNorm weight grad ${xd.describe()}`,
  );
  if (chunks === 1) return [dw, db];
  const sums: [Tensor, Tensor] = [sumOuterInner(dw, chunks, C, 1), sumOuterInner(db, chunks, C, 1)];
  dw.dispose();
  db.dispose();
  return sums;
}

/**
 * torch.nn.functional.layer_norm over the last dim (biased variance, eps inside the square
 * root), with optional affine weight and bias of shape [C]. One fused kernel forward; backward
 * is one fused kernel for the input and one for weight and bias.
 */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const { y, mean, rstd } = layerNormForward(x, weight, bias, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = recordOp(y, 'layerNorm', inputs, (g) => {
    const C = x.shape[x.ndim - 1]!;
    const R = x.size / C;
    const xd = contiguous(x);
    const gd = contiguous(g);
    const w = weight ? contiguous(weight) : null;
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = Tensor.empty(x.shape);
      if (R > 0) {
        const buffers = [xd, ...(w ? [w] : []), gd, mean, rstd, gx].map((t) => t.buffer);
        const describe = () => `layerNorm input grad ${x.describe()}`;
        if (useSerialKernels()) {
          dispatchSerial(layerNormInputGradSerialKernel(!!w), buffers, { R, C }, R, describe);
        } else {
          const wg = rowLayout(C);
          dispatchGroups(
            layerNormInputGradKernel(wg, !!w),
            buffers,
            { R, C },
            Math.ceil(R / wg[1]),
            describe,
          );
        }
      }
    }
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (weight?.requiresGrad || bias?.requiresGrad) {
      [gw, gb] = layerNormParamGrads(xd, gd, mean, rstd, R, C);
      if (!weight?.requiresGrad) gw.dispose();
      if (!bias?.requiresGrad) gb.dispose();
    }
    disposeCopies([
      [xd, x],
      [gd, g],
      [w, weight],
    ]);
    return [
      gx,
      ...(weight ? [weight.requiresGrad ? gw : null] : []),
      ...(bias ? [bias.requiresGrad ? gb : null] : []),
    ];
  });
  if (!out.gradNode) {
    mean.dispose();
    rstd.dispose();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Group norm

interface GroupShape {
  N: number;
  C: number;
  G: number;
  CG: number;
  S: number;
}

function groupShape(x: Tensor, groups: number): GroupShape {
  if (x.ndim < 2) throw new ShapeError(`groupNorm: ${x.describe()} needs [N, C, ...]`);
  const [N, C] = x.shape as [number, number];
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0) {
    throw new ShapeError(`groupNorm: ${C} channels of ${x.describe()} do not split into ${groups} groups`);
  }
  return { N, C, G: groups, CG: C / groups, S: x.size / Math.max(1, N * C) };
}

/** Group norm without autograd: y, and mean/rstd of shape [N, groups]. */
export function groupNormForward(
  x: Tensor,
  groups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): NormResult {
  const s = groupShape(x, groups);
  const w = checkAffine('groupNorm: weight', weight, s.C, x);
  const b = checkAffine('groupNorm: bias', bias, s.C, x);
  const xd = contiguous(x);
  const y = Tensor.empty(x.shape);
  const mean = Tensor.empty([s.N, s.G]);
  const rstd = Tensor.empty([s.N, s.G]);
  const NG = s.N * s.G;
  if (NG > 0 && s.CG * s.S > 0) {
    const buffers = [xd, ...(w ? [w] : []), ...(b ? [b] : []), y, mean, rstd].map((t) => t.buffer);
    const params = { NG, G: s.G, CG: s.CG, S: s.S, eps };
    const describe = () => `groupNorm ${x.describe()} groups ${groups}`;
    if (useSerialKernels()) {
      dispatchSerial(groupNormForwardSerialKernel(!!w, !!b), buffers, params, NG, describe);
    } else {
      const wg = groupNormWorkgroup(s.CG * s.S);
      dispatchGroups(groupNormForwardKernel(wg, !!w, !!b), buffers, params, NG, describe);
    }
  }
  disposeCopies([
    [xd, x],
    [w, weight],
    [b, bias],
  ]);
  return { y, mean, rstd };
}

/**
 * torch.nn.functional.group_norm on [N, C, *] input: statistics over each group of C/groups
 * channels and all spatial positions, per-channel affine weight and bias [C].
 */
export function groupNorm(
  x: Tensor,
  groups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const { y, mean, rstd } = groupNormForward(x, groups, weight, bias, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = recordOp(y, 'groupNorm', inputs, (g) => {
    const s = groupShape(x, groups);
    const NG = s.N * s.G;
    const xd = contiguous(x);
    const gd = contiguous(g);
    const w = weight ? contiguous(weight) : null;
    const describe = () => `groupNorm grad ${x.describe()} groups ${groups}`;
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = Tensor.empty(x.shape);
      if (NG > 0 && s.CG * s.S > 0) {
        const buffers = [xd, ...(w ? [w] : []), gd, mean, rstd, gx].map((t) => t.buffer);
        const params = { NG, G: s.G, CG: s.CG, S: s.S };
        if (useSerialKernels()) {
          dispatchSerial(groupNormInputGradSerialKernel(!!w), buffers, params, NG, describe);
        } else {
          const wg = groupNormWorkgroup(s.CG * s.S);
          dispatchGroups(groupNormInputGradKernel(wg, !!w), buffers, params, NG, describe);
        }
      }
    }
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (weight?.requiresGrad || bias?.requiresGrad) {
      gw = Tensor.empty([s.C]);
      gb = Tensor.empty([s.C]);
      const buffers = [xd, gd, mean, rstd, gw, gb].map((t) => t.buffer);
      const params = { N: s.N, C: s.C, G: s.G, CG: s.CG, S: s.S };
      if (useSerialKernels()) {
        dispatchSerial(groupNormParamGradSerialKernel, buffers, params, s.C, describe);
      } else {
        dispatchGroups(groupNormParamGradKernel, buffers, params, s.C, describe);
      }
      if (!weight?.requiresGrad) gw.dispose();
      if (!bias?.requiresGrad) gb.dispose();
    }
    disposeCopies([
      [xd, x],
      [gd, g],
      [w, weight],
    ]);
    return [
      gx,
      ...(weight ? [weight.requiresGrad ? gw : null] : []),
      ...(bias ? [bias.requiresGrad ? gb : null] : []),
    ];
  });
  if (!out.gradNode) {
    mean.dispose();
    rstd.dispose();
  }
  return out;
}
