/**
 * A convolution's shapes, as every GEMM formulation of it (implicit im2col in conv.ts, explicit
 * columns in conv-columns.ts) needs them, and the strided GEMM operands they share.
 */
import { type Conv2dGeometry, convOutputSize } from '../../shaders/conv/reference.js';
import {
  type StridedLayout,
  stridedOperand,
  stridedOperandValues,
  stridedVec,
} from '../../shaders/matmul/gemm-operand.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { GemmSide, MatmulVariant } from './matmul.js';

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
export interface ConvShape extends Conv2dGeometry {
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

export function convShape(x: Tensor, weight: Tensor, options: Conv2dOptions): ConvShape {
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
export function isPointwise(s: ConvShape): boolean {
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
export function stridedSide(
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

export function geometryValues(p: 'b', s: ConvShape): Record<string, number> {
  return {
    [`${p}_sy`]: s.stride[0],
    [`${p}_sx`]: s.stride[1],
    [`${p}_py`]: s.padding[0],
    [`${p}_px`]: s.padding[1],
    [`${p}_dy`]: s.dilation[0],
    [`${p}_dx`]: s.dilation[1],
  };
}

export function describeConv(x: Tensor, w: Tensor, s: ConvShape): string {
  return `conv2d ${x.describe()} * ${w.describe()} stride [${s.stride}] padding [${s.padding}] dilation [${s.dilation}] groups ${s.groups}`;
}
