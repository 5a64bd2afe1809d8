import {
  col2imGatherOperand,
  gradRowsOperand,
  im2colOperand,
  im2colTransposedOperand,
  imageRowsOperand,
  weightTransposedOperand,
} from '../../shaders/conv/operands.js';
import { GROUPED_BIAS_EPILOGUE } from '../../shaders/matmul/gemm-operand.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { foldColumns, unfoldColumns, usesExplicitColumns } from './conv-columns.js';
import {
  type Conv2dOptions,
  type ConvShape,
  convShape,
  describeConv,
  geometryValues,
  isPointwise,
  stridedSide,
} from './conv-shape.js';
import { contiguous } from './copy.js';
import { type GemmRequest, type GemmSide, type MatmulVariant, gemm, sumOuterInner } from './matmul.js';
import { useSerialKernels } from './reduce-policy.js';

export type { Conv2dOptions };

/**
 * out[b, g] = W[g] · columns(x[b, g]). The columns are x itself for a pointwise convolution,
 * explicit ones where `usesExplicitColumns` (CPU adapters, 8+ outputs per group), else gathered
 * on the fly (implicit im2col).
 */
function forward(x: Tensor, w: Tensor, bias: Tensor | null, s: ConvShape, variant: MatmulVariant): Tensor {
  const P = s.OH * s.OW;
  const K = s.cig * s.kh * s.kw;
  const a = stridedSide('a', w, K, 1, 0, s.cog * K, s, s.cog, K);
  let cols: Tensor | null = null;
  let b: GemmSide;
  if (isPointwise(s)) {
    b = stridedSide('b', x, 1, s.H * s.W, s.C * s.H * s.W, s.cig * s.H * s.W, s, P, K);
  } else if (usesExplicitColumns(s)) {
    cols = unfoldColumns(x, s);
    b = stridedSide('b', cols, 1, P, s.C * s.kh * s.kw * P, K * P, s, P, K);
  } else {
    b = {
      buffer: x.buffer,
      operand: () => im2colOperand(s.kh, s.kw),
      values: { b_zstride: s.cig * s.H * s.W, b_h: s.H, b_w: s.W, b_ow: s.OW, ...geometryValues('b', s) },
    };
  }
  const epilogue: GemmRequest['epilogue'] = bias
    ? { spec: GROUPED_BIAS_EPILOGUE, buffers: [bias.buffer], values: { e_groups: s.groups } }
    : undefined;
  const out = gemm(
    {
      a,
      b,
      epilogue,
      M: s.cog,
      N: P,
      K,
      nbatch: s.B * s.groups,
      variant,
      describe: () => describeConv(x, w, s),
    },
    [s.B, s.O, s.OH, s.OW],
  );
  cols?.dispose();
  return out;
}

/**
 * dx[b, g] = fold(W[g]ᵀ · dy[b, g]): a dense GEMM into column gradients, folded back into the
 * image (a pointwise convolution's columns are its image: no fold). Without explicit columns
 * (GPUs; few outputs per group) it is one GEMM: W[g]ᵀ times dy gathered col2im-wise.
 */
function inputGrad(g: Tensor, w: Tensor, s: ConvShape, variant: MatmulVariant): Tensor {
  const khw = s.kh * s.kw;
  const P = s.OH * s.OW;
  const pointwise = isPointwise(s);
  const describe = () => `input grad of ${describeConv(g, w, s)}`;
  if (pointwise || usesExplicitColumns(s)) {
    const M = s.cig * khw;
    const a = stridedSide('a', w, 1, M, 0, s.cog * M, s, M, s.cog);
    const b = stridedSide('b', g, 1, P, s.O * P, s.cog * P, s, P, s.cog);
    const request = { a, b, M, N: P, K: s.cog, nbatch: s.B * s.groups, variant, describe };
    if (pointwise) return gemm(request, [s.B, s.C, s.H, s.W]);
    const cols = gemm(request, [s.B, s.C * khw, P]);
    const dx = foldColumns(cols, s);
    cols.dispose();
    return dx;
  }
  const a: GemmSide = {
    buffer: w.buffer,
    operand: () => weightTransposedOperand(s.kh, s.kw),
    values: { a_groups: s.groups, a_gstride: s.cog * s.cig * khw, a_costride: s.cig * khw },
  };
  const b: GemmSide = {
    buffer: g.buffer,
    operand: () => col2imGatherOperand(s.kh, s.kw, s.stride[0] === 1 && s.stride[1] === 1),
    values: { b_zstride: s.cog * P, b_w: s.W, b_oh: s.OH, b_ow: s.OW, ...geometryValues('b', s) },
  };
  return gemm({ a, b, M: s.cig, N: s.H * s.W, K: s.cog * khw, nbatch: s.B * s.groups, variant, describe }, [
    s.B,
    s.C,
    s.H,
    s.W,
  ]);
}

/**
 * dW[g] = dy[:, g] · columns(x[:, g])ᵀ, k running over (image, output pixel). On CPU adapters
 * dense columns (x itself when pointwise, else explicit ones where they pay) are read as rows
 * that continue across images; otherwise im2col is gathered on the fly.
 */
function weightGrad(g: Tensor, x: Tensor, s: ConvShape, variant: MatmulVariant): Tensor {
  const P = s.OH * s.OW;
  const vec4 = P % 4 === 0;
  const khw = s.kh * s.kw;
  const a: GemmSide = {
    buffer: g.buffer,
    operand: (v) => gradRowsOperand(v && vec4),
    values: { a_gstride: s.cog * P, a_p: P, a_bstride: s.O * P },
  };
  let cols: Tensor | null = null;
  let b: GemmSide;
  if (useSerialKernels() && (isPointwise(s) || usesExplicitColumns(s))) {
    const rows = isPointwise(s) ? x : (cols = unfoldColumns(x, s));
    b = {
      buffer: rows.buffer,
      operand: (v) => imageRowsOperand('b', v && vec4),
      values: { b_gstride: s.cig * khw * P, b_p: P, b_bstride: s.C * khw * P },
    };
  } else {
    b = {
      buffer: x.buffer,
      operand: () => im2colTransposedOperand(s.kh, s.kw),
      values: {
        b_gstride: s.cig * s.H * s.W,
        b_bstride: s.C * s.H * s.W,
        b_h: s.H,
        b_w: s.W,
        b_p: P,
        b_ow: s.OW,
        ...geometryValues('b', s),
      },
    };
  }
  const out = gemm(
    {
      a,
      b,
      M: s.cog,
      N: s.cig * khw,
      K: s.B * P,
      nbatch: s.groups,
      variant,
      describe: () => `weight grad of ${describeConv(x, g, s)}`,
    },
    [s.O, s.cig, s.kh, s.kw],
  );
  cols?.dispose();
  return out;
}

/**
 * torch.nn.functional.conv2d on NCHW input with an [Cout, Cin/groups, kh, kw] weight: a GEMM per
 * (image, group) on the matmul kernels, the bias added in the epilogue. 1x1 stride-1
 * convolutions read the image as a plain matrix; others gather im2col on the fly (implicit
 * GEMM) on GPUs and read explicit columns on CPU adapters. Depthwise ones (groups = C) get the
 * naive kernel's one-output-per-invocation shape automatically (M = 1).
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const s = convShape(x, weight, options);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== s.O)) {
    throw new ShapeError(`conv2d: bias ${bias.describe()} for ${s.O} output channels`);
  }
  const variant = options.variant ?? 'auto';
  const xd = contiguous(x);
  const wd = contiguous(weight);
  const bd = bias ? contiguous(bias) : null;
  const out = forward(xd, wd, bd, s, variant);
  for (const [dense, orig] of [
    [xd, x],
    [wd, weight],
    [bd, bias],
  ] as const) {
    if (dense && dense !== orig) dense.dispose();
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return recordOp(out, 'conv2d', inputs, (g) => {
    const gd = contiguous(g);
    const gx = x.requiresGrad ? withDense(weight, (w) => inputGrad(gd, w, s, variant)) : null;
    const gw = weight.requiresGrad ? withDense(x, (xx) => weightGrad(gd, xx, s, variant)) : null;
    const gb = bias?.requiresGrad ? sumOuterInner(gd, s.B, s.O, s.OH * s.OW) : null;
    if (gd !== g) gd.dispose();
    return bias ? [gx, gw, gb] : [gx, gw];
  });
}

function withDense(t: Tensor, fn: (dense: Tensor) => Tensor): Tensor {
  const dense = contiguous(t);
  const out = fn(dense);
  if (dense !== t) dense.dispose();
  return out;
}
