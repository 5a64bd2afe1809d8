import { ShapeError } from './errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** NumPy broadcasting of two shapes; throws naming both shapes when they don't broadcast. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number, op = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1))
    throw new ShapeError(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Resolves a reshape target with at most one -1. */
export function resolveShape(target: Shape, size: number, op = 'reshape'): number[] {
  const out = [...target];
  const infer = out.indexOf(-1);
  if (infer !== out.lastIndexOf(-1))
    throw new ShapeError(`${op}: more than one -1 in ${formatShape(target)}`);
  if (infer >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== infer));
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot infer -1 in ${formatShape(target)} for ${size} elements`);
    }
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size)
    throw new ShapeError(`${op}: ${formatShape(target)} does not hold ${size} elements`);
  return out;
}
