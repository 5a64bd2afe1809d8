import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { type Shape, contiguousStrides, formatShape, normalizeAxis, resolveShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { contiguous, writeInto, zeros } from './copy.js';
import { sumToShape } from './reduce.js';

/** Views: new shape/strides over the same storage, no copy where the layout allows. */

export function reshape(t: Tensor, shape: Shape): Tensor {
  const target = resolveShape(shape, t.size, `reshape ${t.describe()} to ${formatShape(shape)}`);
  const src = t.isContiguous() ? t : contiguous(t);
  const out = src.view(target, contiguousStrides(target), src.offset);
  if (src !== t) src.dispose(); // the view keeps the copy's storage alive
  return recordOp(out, 'reshape', [t], (g) => [reshape(g, t.shape)]);
}

export function flatten(t: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = normalizeAxis(startAxis, t.ndim, 'flatten');
  const e = normalizeAxis(endAxis, t.ndim, 'flatten');
  const shape = [...t.shape.slice(0, s), sizeOf(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

export function permute(t: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== t.ndim) throw new ShapeError(`permute ${t.describe()}: ${dims.length} dims given`);
  const axes = dims.map((d) => normalizeAxis(d, t.ndim, 'permute'));
  if (new Set(axes).size !== axes.length)
    throw new ShapeError(`permute ${t.describe()}: repeated axis in [${dims}]`);
  const out = t.view(
    axes.map((a) => t.shape[a]!),
    axes.map((a) => t.strides[a]!),
    t.offset,
  );
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return recordOp(out, 'permute', [t], (g) => [permute(g, inverse)]);
}

export function transpose(t: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const a = normalizeAxis(axis0, t.ndim, 'transpose');
  const b = normalizeAxis(axis1, t.ndim, 'transpose');
  const dims = t.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(t, dims);
}

/** Broadcasts to `shape` with stride 0 on expanded dimensions (NumPy rules; -1 keeps a dim). */
export function expand(t: Tensor, shape: Shape): Tensor {
  if (shape.length < t.ndim)
    throw new ShapeError(`expand ${t.describe()} to ${formatShape(shape)}: fewer dims`);
  const lead = shape.length - t.ndim;
  const strides: number[] = [];
  const outShape: number[] = [];
  shape.forEach((d, i) => {
    if (i < lead) {
      outShape.push(d);
      strides.push(0);
      return;
    }
    const own = t.shape[i - lead]!;
    const target = d === -1 ? own : d;
    if (own !== target && own !== 1) {
      throw new ShapeError(`expand ${t.describe()} to ${formatShape(shape)}: dim ${i} is ${own}`);
    }
    outShape.push(target);
    strides.push(own === target ? t.strides[i - lead]! : 0);
  });
  const out = t.view(outShape, strides, t.offset);
  return recordOp(out, 'expand', [t], (g) => [sumToShape(g, t.shape)]);
}

/** Inserts a size-1 axis: always a view, whatever the layout. */
export function unsqueeze(t: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, t.ndim + 1, 'unsqueeze');
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(a, 0, 1);
  strides.splice(a, 0, a < t.ndim ? t.strides[a]! * t.shape[a]! : 1);
  const out = t.view(shape, strides, t.offset);
  return recordOp(out, 'unsqueeze', [t], (g) => [squeeze(g, a)]);
}

/** Drops size-1 axes (all, or one): always a view, so writes through it reach `t`. */
export function squeeze(t: Tensor, axis?: number): Tensor {
  let drop: number[];
  if (axis === undefined) {
    drop = t.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else {
    const a = normalizeAxis(axis, t.ndim, 'squeeze');
    if (t.shape[a] !== 1)
      throw new ShapeError(`squeeze ${t.describe()}: axis ${axis} has size ${t.shape[a]}`);
    drop = [a];
  }
  const keepAxis = (_: number, i: number) => !drop.includes(i);
  const out = t.view(t.shape.filter(keepAxis), t.strides.filter(keepAxis), t.offset);
  return recordOp(out, 'squeeze', [t], (g) => [reshape(g, t.shape)]);
}

/** Elements start, start+step, ... < end along `axis` (Python slice semantics, step > 0). */
export function slice(t: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  const a = normalizeAxis(axis, t.ndim, 'slice');
  const dim = t.shape[a]!;
  if (step <= 0 || !Number.isInteger(step)) throw new ShapeError(`slice ${t.describe()}: step ${step}`);
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + dim : i, 0), dim);
  const s = clampIndex(start);
  const e = clampIndex(end ?? dim);
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...t.shape];
  shape[a] = len;
  const strides = [...t.strides];
  strides[a] = t.strides[a]! * step;
  const out = t.view(shape, strides, t.offset + s * t.strides[a]!);
  return recordOp(out, 'slice', [t], (g) => {
    const gin = zeros(t.shape, g.dtype);
    const target = slice(gin, a, s, e, step);
    writeInto(target, g);
    target.dispose();
    return [gin];
  });
}

/** Selects one index along `axis`, dropping the axis. */
export function select(t: Tensor, axis: number, index: number): Tensor {
  const a = normalizeAxis(axis, t.ndim, 'select');
  const i = index < 0 ? index + t.shape[a]! : index;
  if (i < 0 || i >= t.shape[a]!)
    throw new ShapeError(`select ${t.describe()}: index ${index} on axis ${axis}`);
  return squeeze(slice(t, a, i, i + 1), a);
}
