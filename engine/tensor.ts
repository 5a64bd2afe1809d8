import type { GradNode } from './autograd.js';
import { type AnyTypedArray, BYTES_PER_ELEMENT, type DType, typedArrayFromBuffer } from './dtype.js';
import { EngineError } from './errors.js';
import { engine } from './runtime.js';
import { trackTensor } from './scope.js';
import { type Shape, contiguousStrides, formatShape, sizeOf } from './shape.js';

/** A GPU buffer shared by a tensor and its views; returned to the pool when the last one goes. */
export class Storage {
  private refs = 1;
  constructor(
    readonly buffer: GPUBuffer,
    readonly bytes: number,
  ) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) engine().pool.release(this.buffer);
  }

  static allocate(bytes: number): Storage {
    return new Storage(engine().pool.acquire(bytes), bytes);
  }
}

/**
 * An n-dimensional array on the GPU: a view (shape, strides, element offset) of a Storage.
 * Views made by reshape/permute/expand/slice share storage; kernels that need dense input call
 * `contiguous()` first. Created tensors are tracked by the enclosing `tidy` scope.
 */
export class Tensor {
  readonly __tensor = true;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly storage: Storage;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradNode: GradNode | null = null;
  /** Optional name (parameters), used in errors and checkpoints. */
  name: string | undefined;
  private disposed = false;

  constructor(storage: Storage, shape: Shape, dtype: DType, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtype;
    trackTensor(this);
  }

  /** A new dense, uninitialised tensor. */
  static empty(shape: Shape, dtype: DType = 'f32'): Tensor {
    const bytes = sizeOf(shape) * BYTES_PER_ELEMENT[dtype];
    return new Tensor(Storage.allocate(bytes), shape, dtype);
  }

  /** A view sharing this tensor's storage. */
  view(shape: Shape, strides: readonly number[], offset: number): Tensor {
    this.assertAlive('view');
    this.storage.retain();
    return new Tensor(this.storage, shape, this.dtype, strides, offset);
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Row-major strides (size-1 dimensions may have any stride). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** Contiguous and starting at element 0 of its buffer: what most kernels bind directly. */
  isDense(): boolean {
    return this.offset === 0 && this.isContiguous();
  }

  get buffer(): GPUBuffer {
    this.assertAlive('use');
    return this.storage.buffer;
  }

  assertAlive(what: string): void {
    if (this.disposed) throw new EngineError(`${what} of a disposed tensor ${this.describe()}`);
  }

  describe(): string {
    return `${this.name ? this.name + ':' : ''}${this.dtype}${formatShape(this.shape)}`;
  }

  toString(): string {
    return `Tensor(${this.describe()})`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.storage.release();
  }

  /** Copies the tensor to the CPU (flushes pending GPU work). */
  async data(): Promise<AnyTypedArray> {
    this.assertAlive('data()');
    if (!this.isDense()) {
      const { contiguous } = await import('./ops/copy.js');
      const dense = contiguous(this, true);
      try {
        return await dense.data();
      } finally {
        dense.dispose();
      }
    }
    const bytes = this.size * BYTES_PER_ELEMENT[this.dtype];
    if (bytes === 0) return typedArrayFromBuffer(this.dtype, new ArrayBuffer(0), 0);
    const raw = await engine().stream.read(this.storage.buffer, 0, bytes);
    return typedArrayFromBuffer(this.dtype, raw, this.size);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new EngineError(`item() of ${this.describe()}: needs exactly one element`);
    return (await this.data())[0]!;
  }

  /** As a plain array of numbers (row-major). */
  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }
}
