/**
 * The typed rule table of unary elementwise ops: for every op its WGSL, its float64 reference,
 * the dtypes it accepts and its gradient as a fused WGSL expression g·f'(x). The table's type
 * `{ [K in UnaryOp]: UnaryRule }` makes a missing rule a compile error.
 */
import type { DType } from '../../engine/dtype.js';
import { erf64, gelu64, sigmoid64 } from './math.js';

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'abs'
  | 'relu'
  | 'gelu'
  | 'sigmoid'
  | 'tanh'
  | 'square'
  | 'reciprocal'
  | 'erf'
  | 'sin'
  | 'cos'
  | 'sign'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'logicalNot';

/**
 * The gradient as WGSL in the upstream gradient `g` and either the input `x` or the output `y`
 * (whichever is cheaper to use; the other is not bound). `null`: piecewise constant, no gradient.
 */
export interface UnaryGrad {
  readonly uses: 'x' | 'y' | 'none';
  readonly wgsl: (g: string, v: string) => string;
}

export interface UnaryRule {
  /** WGSL expression of the op on `x` (a value of the input dtype). */
  readonly wgsl: (x: string) => string;
  /** float64 reference. */
  readonly reference: (x: number) => number;
  readonly dtypes: readonly DType[];
  /** Output dtype when fixed (predicates give f32 0/1); otherwise the input's. */
  readonly out?: DType;
  readonly grad: UnaryGrad | null;
}

const F32: readonly DType[] = ['f32'];
const SIGNED: readonly DType[] = ['f32', 'i32'];
const ALL: readonly DType[] = ['f32', 'i32', 'u32'];

/** Round half to even, like torch.round and WGSL round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const UNARY_RULES: { readonly [K in UnaryOp]: UnaryRule } = {
  neg: {
    wgsl: (x) => `-${x}`,
    reference: (x) => -x,
    dtypes: SIGNED,
    grad: { uses: 'none', wgsl: (g) => `-${g}` },
  },
  exp: {
    wgsl: (x) => `exp(${x})`,
    reference: Math.exp,
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `${g} * ${y}` },
  },
  log: {
    wgsl: (x) => `log(${x})`,
    reference: Math.log,
    dtypes: F32,
    grad: { uses: 'x', wgsl: (g, x) => `${g} / ${x}` },
  },
  sqrt: {
    wgsl: (x) => `sqrt(${x})`,
    reference: Math.sqrt,
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `0.5 * ${g} / ${y}` },
  },
  rsqrt: {
    wgsl: (x) => `inverseSqrt(${x})`,
    reference: (x) => 1 / Math.sqrt(x),
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `-0.5 * ${g} * ${y} * ${y} * ${y}` },
  },
  abs: {
    wgsl: (x) => `abs(${x})`,
    reference: Math.abs,
    dtypes: SIGNED,
    grad: { uses: 'x', wgsl: (g, x) => `${g} * sign(${x})` },
  },
  relu: {
    wgsl: (x) => `max(${x}, 0)`,
    reference: (x) => Math.max(x, 0),
    dtypes: SIGNED,
    grad: { uses: 'x', wgsl: (g, x) => `select(0.0, ${g}, ${x} > 0.0)` },
  },
  gelu: {
    wgsl: (x) => `pv_gelu(${x})`,
    reference: gelu64,
    dtypes: F32,
    grad: { uses: 'x', wgsl: (g, x) => `${g} * pv_gelu_grad(${x})` },
  },
  sigmoid: {
    wgsl: (x) => `pv_sigmoid(${x})`,
    reference: sigmoid64,
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `${g} * ${y} * (1.0 - ${y})` },
  },
  tanh: {
    wgsl: (x) => `pv_tanh(${x})`,
    reference: Math.tanh,
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `${g} * (1.0 - ${y} * ${y})` },
  },
  square: {
    wgsl: (x) => `${x} * ${x}`,
    reference: (x) => x * x,
    dtypes: ALL,
    grad: { uses: 'x', wgsl: (g, x) => `2.0 * ${g} * ${x}` },
  },
  reciprocal: {
    wgsl: (x) => `1.0 / ${x}`,
    reference: (x) => 1 / x,
    dtypes: F32,
    grad: { uses: 'y', wgsl: (g, y) => `-${g} * ${y} * ${y}` },
  },
  erf: {
    wgsl: (x) => `pv_erf(${x})`,
    reference: erf64,
    dtypes: F32,
    grad: { uses: 'x', wgsl: (g, x) => `${g} * 1.1283791670955126 * exp(-${x} * ${x})` },
  },
  sin: {
    wgsl: (x) => `pv_sin(${x})`,
    reference: Math.sin,
    dtypes: F32,
    grad: { uses: 'x', wgsl: (g, x) => `${g} * pv_cos(${x})` },
  },
  cos: {
    wgsl: (x) => `pv_cos(${x})`,
    reference: Math.cos,
    dtypes: F32,
    grad: { uses: 'x', wgsl: (g, x) => `-${g} * pv_sin(${x})` },
  },
  sign: { wgsl: (x) => `sign(${x})`, reference: Math.sign, dtypes: SIGNED, grad: null },
  floor: { wgsl: (x) => `floor(${x})`, reference: Math.floor, dtypes: F32, grad: null },
  ceil: { wgsl: (x) => `ceil(${x})`, reference: Math.ceil, dtypes: F32, grad: null },
  round: { wgsl: (x) => `round(${x})`, reference: roundHalfEven, dtypes: F32, grad: null },
  logicalNot: {
    wgsl: (x) => `select(0.0, 1.0, ${x} == 0)`,
    reference: (x) => (x === 0 ? 1 : 0),
    dtypes: ALL,
    out: 'f32',
    grad: null,
  },
};

/** The float64 reference of a unary op over an array. */
export function unaryReference(op: UnaryOp, xs: ArrayLike<number>): number[] {
  return Array.from(xs, (x) => UNARY_RULES[op].reference(x));
}
