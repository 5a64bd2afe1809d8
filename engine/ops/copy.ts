import { fillKernel, stridedCopyKernel, stridedWriteKernel } from '../../shaders/core/copy.js';
import { outDimValues, stridedInputValues } from '../../shaders/core/strided.js';
import { recordOp } from '../autograd.js';
import { type AnyTypedArray, type DType, dtypeOfArray } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { type Shape, formatShape, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Dims of size 1 are dropped before launching strided kernels: fewer index ops, fewer variants. */
function squeezeLayout(shape: readonly number[], strides: readonly number[]): [number[], number[]] {
  const s: number[] = [];
  const st: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      s.push(d);
      st.push(strides[i]!);
    }
  });
  return s.length === 0 ? [[1], [0]] : [s, st];
}

/** A dense copy of any view. With `force`, copies even when `t` is already dense. */
export function contiguous(t: Tensor, force = false): Tensor {
  if (!force && t.isDense()) return t;
  const out = Tensor.empty(t.shape, t.dtype);
  const n = t.size;
  if (n > 0) {
    const [shape, strides] = squeezeLayout(t.shape, t.strides);
    engine().stream.dispatch1D(
      stridedCopyKernel(shape.length),
      [{ buffer: t.buffer }, { buffer: out.buffer }],
      { n, ...outDimValues(shape), ...stridedInputValues('src', t.offset, strides) },
      n,
      () => `${t.describe()} strides [${t.strides}] offset ${t.offset}`,
    );
  }
  return recordOp(out, 'contiguous', [t], (g) => [g]);
}

/** A dense copy that is a new tensor even when `t` is dense (its own storage). */
export function clone(t: Tensor): Tensor {
  return contiguous(t, true);
}

/** Writes `src` (any layout, same shape) into the view `dst` in place. No autograd. */
export function writeInto(dst: Tensor, src: Tensor): void {
  if (!shapesEqual(dst.shape, src.shape)) {
    throw new ShapeError(`writeInto: ${src.describe()} into ${dst.describe()}`);
  }
  if (dst.dtype !== src.dtype) throw new ShapeError(`writeInto: dtype ${src.dtype} into ${dst.dtype}`);
  const n = src.size;
  if (n === 0) return;
  const dense = contiguous(src);
  const [shape, strides] = squeezeLayout(dst.shape, dst.strides);
  engine().stream.dispatch1D(
    stridedWriteKernel(shape.length),
    [{ buffer: dense.buffer }, { buffer: dst.buffer }],
    { n, ...outDimValues(shape), ...stridedInputValues('dst', dst.offset, strides) },
    n,
    () => `${src.describe()} into ${dst.describe()} strides [${dst.strides}] offset ${dst.offset}`,
  );
  if (dense !== src) dense.dispose();
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const i32 = new Int32Array(f32.buffer);

function bitsOf(value: number, dtype: DType): number {
  if (dtype === 'f32') f32[0] = value;
  else if (dtype === 'i32') i32[0] = value;
  else u32[0] = value;
  return u32[0]!;
}

/** Sets every element of the dense tensor `t` to `value` in place. */
export function fillInPlace(t: Tensor, value: number): Tensor {
  if (!t.isDense()) throw new ShapeError(`fill: ${t.describe()} is not dense`);
  const n = t.size;
  engine().stream.dispatch1D(fillKernel, [{ buffer: t.buffer }], { n, bits: bitsOf(value, t.dtype) }, n, () =>
    t.describe(),
  );
  return t;
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  return fillInPlace(Tensor.empty(shape, dtype), value);
}

export function zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 1, dtype);
}

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, t.dtype);
}

export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, t.dtype);
}

/** A tensor from CPU data. A plain number array becomes `dtype` (default f32). */
export function tensor(data: AnyTypedArray | readonly number[], shape?: Shape, dtype?: DType): Tensor {
  const dt: DType = dtype ?? (Array.isArray(data) ? 'f32' : dtypeOfArray(data as AnyTypedArray));
  const shp = shape ?? [data.length];
  if (sizeOf(shp) !== data.length) {
    throw new ShapeError(`tensor: ${data.length} values do not fill shape ${formatShape(shp)}`);
  }
  const array =
    dt === 'f32' ? Float32Array.from(data) : dt === 'i32' ? Int32Array.from(data) : Uint32Array.from(data);
  const t = Tensor.empty(shp, dt);
  engine().stream.upload(t.buffer, 0, array);
  return t;
}

/** A scalar (shape []) tensor. */
export function scalar(value: number, dtype: DType = 'f32'): Tensor {
  return full([], value, dtype);
}

/** A parameter: a leaf that requires grad, kept out of any scope. */
export function parameter(t: Tensor, name?: string): Tensor {
  t.requiresGrad = true;
  if (name !== undefined) t.name = name;
  return t;
}
