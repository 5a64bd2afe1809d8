/**
 * Elementwise ops with NumPy broadcasting over strided views, built from the rule tables in
 * shaders/elementwise/. Conventions:
 *  - Binary ops take `Tensor | number` on either side (at least one tensor); a number becomes a
 *    uniform of the tensor's dtype. Two tensors must share a dtype (use `cast`).
 *  - Comparisons and logical ops return f32 0/1; `where`/`maskedFill`/logical ops treat any
 *    nonzero value of any dtype as true.
 *  - Every backward is one fused kernel per input (g·f'(x)), summed back to the input's shape
 *    when the input was broadcast. Outputs and gradients are dense.
 */
import { BINARY_RULES, type BinaryOp } from '../../shaders/elementwise/binary.js';
import type { MapSpec } from '../../shaders/elementwise/map.js';
import { UNARY_RULES, type UnaryOp } from '../../shaders/elementwise/unary.js';
import { recordOp } from '../autograd.js';
import type { DType } from '../dtype.js';
import { EngineError } from '../errors.js';
import { type Shape, broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { clone } from './copy.js';
import { launchMap, scalarFor } from './elementwise-launch.js';
import { sumToShape } from './reduce.js';

export type { UnaryOp } from '../../shaders/elementwise/unary.js';
export type { BinaryOp } from '../../shaders/elementwise/binary.js';

/** A tensor or a number standing for a broadcast scalar. */
export type Operand = Tensor | number;

function isTensor(x: Operand): x is Tensor {
  return typeof x !== 'number';
}

function shapeOf(x: Operand): Shape {
  return isTensor(x) ? x.shape : [];
}

/** The common dtype of the tensor operands (numbers adopt it); f32 when there are none. */
function operandDtype(op: string, operands: readonly Operand[]): DType {
  const tensors = operands.filter(isTensor);
  const dtype = tensors[0]?.dtype ?? 'f32';
  for (const t of tensors) {
    if (t.dtype !== dtype) {
      throw new EngineError(
        `${op}: dtypes differ (${tensors.map((x) => x.describe()).join(', ')}); cast first`,
      );
    }
  }
  return dtype;
}

/**
 * Evaluates `expr(names)` over the broadcast operands: the building block of every op here and
 * of fused backward kernels. `dtypes` are the operands' dtypes (numbers included).
 */
export function mapOperands(
  name: string,
  operands: readonly Operand[],
  dtypes: readonly DType[],
  outDtype: DType,
  expr: (names: readonly string[]) => string,
  outShape?: Shape,
): Tensor {
  // Only operands the expression uses are bound: an unused binding would not be in the
  // pipeline's layout.
  const placeholders = operands.map((_, i) => `@operand${i}@`);
  const template = expr(placeholders);
  const names: string[] = [];
  const tensors: Tensor[] = [];
  const inputDtypes: DType[] = [];
  const scalars: number[] = [];
  const scalarDtypes: DType[] = [];
  operands.forEach((x, i) => {
    if (!template.includes(placeholders[i]!)) {
      names.push('');
    } else if (isTensor(x)) {
      names.push(`x${tensors.length}`);
      tensors.push(x);
      inputDtypes.push(x.dtype);
    } else {
      names.push(`params.s${scalars.length}`);
      scalars.push(scalarFor(x, dtypes[i]!, name));
      scalarDtypes.push(dtypes[i]!);
    }
  });
  const code = placeholders.reduce((c, p, i) => c.split(p).join(names[i]!), template);
  const shape = outShape ?? operands.map(shapeOf).reduce<Shape>((a, b) => broadcastShapes(a, b, name), []);
  const spec: MapSpec = { name, inputs: inputDtypes, scalars: scalarDtypes, out: outDtype, expr: code };
  return launchMap(spec, tensors, scalars, shape);
}

function checkDtype(op: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype))
    throw new EngineError(`${op}: not defined for ${dtype} (only ${allowed.join(', ')})`);
}

// ---------------------------------------------------------------- unary

export function unary(op: UnaryOp, x: Tensor): Tensor {
  const rule = UNARY_RULES[op];
  checkDtype(op, x.dtype, rule.dtypes);
  const y = mapOperands(op, [x], [x.dtype], rule.out ?? x.dtype, ([a]) => rule.wgsl(a!), x.shape);
  const grad = rule.grad;
  if (!grad || x.dtype !== 'f32') return y;
  return recordOp(y, op, [x], (g) => {
    if (grad.uses === 'none')
      return [mapOperands(`${op}_grad`, [g], ['f32'], 'f32', ([gn]) => grad.wgsl(gn!, ''), x.shape)];
    const v = grad.uses === 'x' ? x : y;
    return [
      mapOperands(`${op}_grad`, [g, v], ['f32', 'f32'], 'f32', ([gn, vn]) => grad.wgsl(gn!, vn!), x.shape),
    ];
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** Exact GELU, x·Φ(x) (PyTorch's default, approximate='none'). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even (like torch.round). */
export const round = (x: Tensor): Tensor => unary('round', x);
/** f32 1 where x == 0, else 0. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

// ---------------------------------------------------------------- binary

export function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  if (!isTensor(a) && !isTensor(b)) throw new EngineError(`${op}: needs at least one tensor operand`);
  const rule = BINARY_RULES[op];
  const dtype = operandDtype(op, [a, b]);
  checkDtype(op, dtype, rule.dtypes);
  const outShape = broadcastShapes(shapeOf(a), shapeOf(b), op);
  const y = mapOperands(
    op,
    [a, b],
    [dtype, dtype],
    rule.out ?? dtype,
    ([an, bn]) => rule.wgsl(an!, bn!),
    outShape,
  );
  const grad = rule.grad;
  if (!grad || dtype !== 'f32') return y;
  return recordOp(y, op, [a, b].filter(isTensor), (g) => {
    const side = (x: Operand, fn: (g: string, a: string, b: string) => string): Tensor | null => {
      if (!isTensor(x) || !x.requiresGrad) return null;
      const full =
        fn('g', 'a', 'b') === 'g'
          ? g
          : mapOperands(
              `${op}_grad`,
              [g, a, b],
              ['f32', 'f32', 'f32'],
              'f32',
              ([gn, an, bn]) => fn(gn!, an!, bn!),
              outShape,
            );
      return sumToShape(full, x.shape);
    };
    const grads: (Tensor | null)[] = [];
    if (isTensor(a)) grads.push(side(a, grad.a));
    if (isTensor(b)) grads.push(side(b, grad.b));
    return grads;
  });
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
/** a^b with PyTorch's conventions (negative bases allowed for integral exponents). */
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
/** Elementwise max; ties split the gradient evenly (torch.maximum). */
export const maximum = (a: Operand, b: Operand): Tensor => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary('minimum', a, b);
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => binary('ne', a, b);
export const lt = (a: Operand, b: Operand): Tensor => binary('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => binary('le', a, b);
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);
export const logicalAnd = (a: Operand, b: Operand): Tensor => binary('logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand): Tensor => binary('logicalOr', a, b);

// ---------------------------------------------------------------- others

/**
 * `cond ? a : b` elementwise with broadcasting; `cond` of any dtype (nonzero is true); a and b
 * share a dtype (numbers adopt the tensor's; f32 if both are numbers).
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const dtype = operandDtype('where', [a, b]);
  const outShape = [cond.shape, shapeOf(a), shapeOf(b)].reduce<Shape>(
    (s, t) => broadcastShapes(s, t, 'where'),
    [],
  );
  const y = mapOperands(
    'where',
    [cond, a, b],
    [cond.dtype, dtype, dtype],
    dtype,
    ([c, an, bn]) => `select(${bn}, ${an}, ${c} != 0)`,
    outShape,
  );
  if (dtype !== 'f32') return y;
  const inputs = [a, b].filter(isTensor);
  return recordOp(y, 'where', inputs, (g) => {
    const side = (x: Operand, taken: boolean): Tensor | null => {
      if (!isTensor(x) || !x.requiresGrad) return null;
      const picked = mapOperands(
        'where_grad',
        [cond, g],
        [cond.dtype, 'f32'],
        'f32',
        ([c, gn]) => (taken ? `select(0.0, ${gn}, ${c} != 0)` : `select(${gn}, 0.0, ${c} != 0)`),
        outShape,
      );
      return sumToShape(picked, x.shape);
    };
    const grads: (Tensor | null)[] = [];
    if (isTensor(a)) grads.push(side(a, true));
    if (isTensor(b)) grads.push(side(b, false));
    return grads;
  });
}

/** `x` with `value` where `mask` is nonzero (mask broadcasts to x; the output has x's shape). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  broadcastShapes(x.shape, mask.shape, 'maskedFill');
  const out = where(mask, value, x);
  if (out.shape.length !== x.ndim || out.shape.some((d, i) => d !== x.shape[i])) {
    throw new EngineError(`maskedFill: mask ${mask.describe()} would enlarge ${x.describe()}`);
  }
  return out;
}

/** Clamps to [min, max] (either bound optional). The gradient passes where min <= x <= max. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkDtype('clamp', x.dtype, ['f32', 'i32', 'u32']);
  const lo = min ?? (x.dtype === 'f32' ? -Infinity : x.dtype === 'i32' ? -2147483648 : 0);
  const hi = max ?? (x.dtype === 'f32' ? Infinity : x.dtype === 'i32' ? 2147483647 : 4294967295);
  if (lo > hi) throw new EngineError(`clamp: min ${lo} > max ${hi}`);
  const y = mapOperands(
    'clamp',
    [x, lo, hi],
    [x.dtype, x.dtype, x.dtype],
    x.dtype,
    ([v, l, h]) => `clamp(${v}, ${l}, ${h})`,
    x.shape,
  );
  if (x.dtype !== 'f32') return y;
  return recordOp(y, 'clamp', [x], (g) => [
    mapOperands(
      'clamp_grad',
      [g, x, lo, hi],
      ['f32', 'f32', 'f32', 'f32'],
      'f32',
      ([gn, v, l, h]) => `select(0.0, ${gn}, ${v} >= ${l} && ${v} <= ${h})`,
      x.shape,
    ),
  ]);
}

/**
 * Converts dtype. float → int truncates toward zero (saturating); i32 ↔ u32 keeps the bits
 * (two's complement); int → float rounds to nearest. Differentiable only f32 → f32.
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return clone(x);
  return mapOperands(`cast_${dtype}`, [x], [x.dtype], dtype, ([v]) => `${dtype}(${v})`, x.shape);
}
