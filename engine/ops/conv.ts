import {
  col2imGatherOperand,
  gradRowsOperand,
  im2colOperand,
  im2colTransposedOperand,
  weightTransposedOperand,
} from '../../shaders/conv/operands.js';
import { type Conv2dGeometry, convOutputSize } from '../../shaders/conv/reference.js';
import {
  GROUPED_BIAS_EPILOGUE,
  type StridedLayout,
  stridedOperand,
  stridedOperandValues,
  stridedVec,
} from '../../shaders/matmul/gemm-operand.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { contiguous } from './copy.js';
import { type GemmRequest, type GemmSide, type MatmulVariant, gemm, sumOuterInner } from './matmul.js';

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Forces a GEMM kernel version for all three products (tests, benchmarks). */
  variant?: MatmulVariant;
}

function pair(v: Pair | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Everything the three GEMMs of a convolution need to know about its shapes. */
interface ConvShape extends Conv2dGeometry {
  B: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  cig: number;
  cog: number;
}

function convShape(x: Tensor, weight: Tensor, options: Conv2dOptions): ConvShape {
  const what = () => `conv2d: input ${x.describe()}, weight ${weight.describe()}`;
  if (x.ndim !== 4 || weight.ndim !== 4) throw new ShapeError(`${what()}: both must be 4-D (NCHW, OIHW)`);
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const [O, cig, kh, kw] = weight.shape as [number, number, number, number];
  const groups = options.groups ?? 1;
  const geo: Conv2dGeometry = {
    stride: pair(options.stride, 1),
    padding: pair(options.padding, 0),
    dilation: pair(options.dilation, 1),
    groups,
  };
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || O % groups !== 0 || C / groups !== cig) {
    throw new ShapeError(
      `${what()}: groups=${groups} needs Cin/groups = weight dim 1 and Cout divisible by groups`,
    );
  }
  if ([...geo.stride, ...geo.dilation].some((v) => !Number.isInteger(v) || v < 1)) {
    throw new ShapeError(`${what()}: stride and dilation must be positive integers`);
  }
  if (geo.padding.some((v) => !Number.isInteger(v) || v < 0)) throw new ShapeError(`${what()}: bad padding`);
  const OH = convOutputSize(H, kh, geo.stride[0], geo.padding[0], geo.dilation[0]);
  const OW = convOutputSize(W, kw, geo.stride[1], geo.padding[1], geo.dilation[1]);
  if (OH < 1 || OW < 1) throw new ShapeError(`${what()}: kernel larger than the padded input`);
  return { ...geo, B, C, H, W, O, kh, kw, OH, OW, cig, cog: O / groups };
}

/** 1x1, stride 1, no padding: every product is a plain strided matmul (vec4 reads, no gathers). */
function isPointwise(s: ConvShape): boolean {
  return (
    s.kh === 1 &&
    s.kw === 1 &&
    s.stride[0] === 1 &&
    s.stride[1] === 1 &&
    s.padding[0] === 0 &&
    s.padding[1] === 0
  );
}

/** A strided GEMM side over batch zb = b*G + g (batch strides per image and per group). */
function stridedSide(
  p: 'a' | 'b',
  t: Tensor,
  so: number,
  sk: number,
  perImage: number,
  perGroup: number,
  s: ConvShape,
  outer: number,
  k: number,
): GemmSide {
  const layout: StridedLayout = { off: 0, so, sk, sb: [perImage, 0, perGroup], bd: [1, s.groups] };
  const vec = stridedVec(layout, outer, k, [s.B, 1, s.groups]);
  return {
    buffer: t.buffer,
    operand: (v) => stridedOperand(p, v ? vec : 'none'),
    values: stridedOperandValues(p, layout),
  };
}

function geometryValues(p: 'b', s: ConvShape): Record<string, number> {
  return {
    [`${p}_sy`]: s.stride[0],
    [`${p}_sx`]: s.stride[1],
    [`${p}_py`]: s.padding[0],
    [`${p}_px`]: s.padding[1],
    [`${p}_dy`]: s.dilation[0],
    [`${p}_dx`]: s.dilation[1],
  };
}

function forward(x: Tensor, w: Tensor, bias: Tensor | null, s: ConvShape, variant: MatmulVariant): Tensor {
  const P = s.OH * s.OW;
  const K = s.cig * s.kh * s.kw;
  const a = stridedSide('a', w, K, 1, 0, s.cog * K, s, s.cog, K);
  const b: GemmSide = isPointwise(s)
    ? stridedSide('b', x, 1, s.H * s.W, s.C * s.H * s.W, s.cig * s.H * s.W, s, P, K)
    : {
        buffer: x.buffer,
        operand: () => im2colOperand(s.kh, s.kw),
        values: { b_zstride: s.cig * s.H * s.W, b_h: s.H, b_w: s.W, b_ow: s.OW, ...geometryValues('b', s) },
      };
  const epilogue: GemmRequest['epilogue'] = bias
    ? { spec: GROUPED_BIAS_EPILOGUE, buffers: [bias.buffer], values: { e_groups: s.groups } }
    : undefined;
  return gemm(
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
}

function inputGrad(g: Tensor, w: Tensor, s: ConvShape, variant: MatmulVariant): Tensor {
  const khw = s.kh * s.kw;
  const K = s.cog * khw;
  const N = s.H * s.W;
  let a: GemmSide;
  let b: GemmSide;
  if (isPointwise(s)) {
    a = stridedSide('a', w, 1, s.cig, 0, s.cog * s.cig, s, s.cig, K);
    b = stridedSide('b', g, 1, s.OH * s.OW, s.O * s.OH * s.OW, s.cog * s.OH * s.OW, s, N, K);
  } else {
    a = {
      buffer: w.buffer,
      operand: () => weightTransposedOperand(s.kh, s.kw),
      values: { a_groups: s.groups, a_gstride: s.cog * s.cig * khw, a_costride: s.cig * khw },
    };
    b = {
      buffer: g.buffer,
      operand: () => col2imGatherOperand(s.kh, s.kw, s.stride[0] === 1 && s.stride[1] === 1),
      values: { b_zstride: s.cog * s.OH * s.OW, b_w: s.W, b_oh: s.OH, b_ow: s.OW, ...geometryValues('b', s) },
    };
  }
  return gemm(
    {
      a,
      b,
      M: s.cig,
      N,
      K,
      nbatch: s.B * s.groups,
      variant,
      describe: () => `input grad of ${describeConv(g, w, s)}`,
    },
    [s.B, s.C, s.H, s.W],
  );
}

function weightGrad(g: Tensor, x: Tensor, s: ConvShape, variant: MatmulVariant): Tensor {
  const P = s.OH * s.OW;
  const vec4 = P % 4 === 0;
  const a: GemmSide = {
    buffer: g.buffer,
    operand: (v) => gradRowsOperand(v && vec4),
    values: { a_gstride: s.cog * P, a_p: P, a_bstride: s.O * P },
  };
  const b: GemmSide = {
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
  return gemm(
    {
      a,
      b,
      M: s.cog,
      N: s.cig * s.kh * s.kw,
      K: s.B * P,
      nbatch: s.groups,
      variant,
      describe: () => `weight grad of ${describeConv(x, g, s)}`,
    },
    [s.O, s.cig, s.kh, s.kw],
  );
}

function describeConv(x: Tensor, w: Tensor, s: ConvShape): string {
  return `conv2d ${x.describe()} * ${w.describe()} stride [${s.stride}] padding [${s.padding}] dilation [${s.dilation}] groups ${s.groups}`;
}

/**
 * torch.nn.functional.conv2d on NCHW input with an [Cout, Cin/groups, kh, kw] weight: an
 * implicit GEMM per (image, group) on the matmul kernels, the bias added in the epilogue.
 * 1x1 stride-1 convolutions read the image as a plain matrix; depthwise ones (groups = C) get
 * the naive kernel's one-output-per-invocation shape automatically (M = 1).
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
