/** Element types the engine stores. f16 is added only where the adapter has shader-f16. */
export type DType = 'f32' | 'i32' | 'u32';

export type TypedArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : Uint32Array;

export type AnyTypedArray = Float32Array | Int32Array | Uint32Array;

export const BYTES_PER_ELEMENT: { [D in DType]: number } = { f32: 4, i32: 4, u32: 4 };

/** WGSL scalar type name of each dtype. */
export const WGSL_TYPE: { [D in DType]: string } = { f32: 'f32', i32: 'i32', u32: 'u32' };

export function typedArrayOf(dtype: DType, length: number): AnyTypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(length);
    case 'i32':
      return new Int32Array(length);
    case 'u32':
      return new Uint32Array(length);
  }
}

export function typedArrayFromBuffer(dtype: DType, buffer: ArrayBuffer, length: number): AnyTypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, 0, length);
    case 'i32':
      return new Int32Array(buffer, 0, length);
    case 'u32':
      return new Uint32Array(buffer, 0, length);
  }
}

export function dtypeOfArray(data: AnyTypedArray): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  return 'u32';
}
