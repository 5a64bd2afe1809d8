/**
 * The typed rule table of binary elementwise ops (NumPy broadcasting is handled by the map
 * kernel's layouts). Each rule: WGSL, float64 reference, accepted dtypes, output dtype when
 * fixed, and the gradient for each side as a fused WGSL expression in g, a, b.
 * Comparisons and logical ops return f32 0/1 (masks multiply directly into losses).
 */
import type { DType } from '../../engine/dtype.js';
import { pow64 } from './math.js';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr';

/** WGSL of one side's gradient in g, a, b; the literal 'g' means "pass g through unchanged". */
export type BinaryGradFn = (g: string, a: string, b: string) => string;

export interface BinaryRule {
  readonly wgsl: (a: string, b: string) => string;
  readonly reference: (a: number, b: number) => number;
  readonly dtypes: readonly DType[];
  readonly out?: DType;
  readonly grad: { readonly a: BinaryGradFn; readonly b: BinaryGradFn } | null;
}

const F32: readonly DType[] = ['f32'];
const ALL: readonly DType[] = ['f32', 'i32', 'u32'];

const predicate = (wgslOp: string, reference: (a: number, b: number) => boolean): BinaryRule => ({
  wgsl: (a, b) => `select(0.0, 1.0, ${a} ${wgslOp} ${b})`,
  reference: (a, b) => (reference(a, b) ? 1 : 0),
  dtypes: ALL,
  out: 'f32',
  grad: null,
});

export const BINARY_RULES: { readonly [K in BinaryOp]: BinaryRule } = {
  add: {
    wgsl: (a, b) => `${a} + ${b}`,
    reference: (a, b) => a + b,
    dtypes: ALL,
    grad: { a: () => 'g', b: () => 'g' },
  },
  sub: {
    wgsl: (a, b) => `${a} - ${b}`,
    reference: (a, b) => a - b,
    dtypes: ALL,
    grad: { a: () => 'g', b: (g) => `-${g}` },
  },
  mul: {
    wgsl: (a, b) => `${a} * ${b}`,
    reference: (a, b) => a * b,
    dtypes: ALL,
    grad: { a: (g, _a, b) => `${g} * ${b}`, b: (g, a) => `${g} * ${a}` },
  },
  div: {
    wgsl: (a, b) => `${a} / ${b}`,
    reference: (a, b) => a / b,
    dtypes: F32,
    grad: { a: (g, _a, b) => `${g} / ${b}`, b: (g, a, b) => `-${g} * ${a} / (${b} * ${b})` },
  },
  pow: {
    wgsl: (a, b) => `pv_pow(${a}, ${b})`,
    reference: pow64,
    dtypes: F32,
    grad: {
      a: (g, a, b) => `select(${g} * ${b} * pv_pow(${a}, ${b} - 1.0), 0.0, ${b} == 0.0)`,
      b: (g, a, b) => `${g} * pv_pow_grad_exponent(${a}, ${b})`,
    },
  },
  // Ties split the gradient evenly, as PyTorch does for torch.maximum/minimum.
  maximum: {
    wgsl: (a, b) => `max(${a}, ${b})`,
    reference: Math.max,
    dtypes: ALL,
    grad: {
      a: (g, a, b) => `select(select(0.0, ${g}, ${a} > ${b}), 0.5 * ${g}, ${a} == ${b})`,
      b: (g, a, b) => `select(select(0.0, ${g}, ${b} > ${a}), 0.5 * ${g}, ${a} == ${b})`,
    },
  },
  minimum: {
    wgsl: (a, b) => `min(${a}, ${b})`,
    reference: Math.min,
    dtypes: ALL,
    grad: {
      a: (g, a, b) => `select(select(0.0, ${g}, ${a} < ${b}), 0.5 * ${g}, ${a} == ${b})`,
      b: (g, a, b) => `select(select(0.0, ${g}, ${b} < ${a}), 0.5 * ${g}, ${a} == ${b})`,
    },
  },
  eq: predicate('==', (a, b) => a === b),
  ne: predicate('!=', (a, b) => a !== b),
  lt: predicate('<', (a, b) => a < b),
  le: predicate('<=', (a, b) => a <= b),
  gt: predicate('>', (a, b) => a > b),
  ge: predicate('>=', (a, b) => a >= b),
  logicalAnd: {
    wgsl: (a, b) => `select(0.0, 1.0, ${a} != 0 && ${b} != 0)`,
    reference: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
    dtypes: ALL,
    out: 'f32',
    grad: null,
  },
  logicalOr: {
    wgsl: (a, b) => `select(0.0, 1.0, ${a} != 0 || ${b} != 0)`,
    reference: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
    dtypes: ALL,
    out: 'f32',
    grad: null,
  },
};
