/**
 * Order keys of the top-k kernels: each value maps to a u32 whose unsigned order is the order
 * in which top-k takes the values, so one radix select over 32-bit keys serves every dtype and
 * both directions.
 *
 * f32: -0 and +0 get one key (they are equal, so which is taken first goes by index); NaN (any
 * payload) ranks above +inf, as in PyTorch (topk(largest) takes NaNs first, smallest last). NaN
 * is recognised from the bits, never by `x != x` (a WGSL compiler may assume no NaNs).
 * `largest` complements the key: the k largest values are the k smallest complemented keys.
 */
import type { DType } from '../../engine/dtype.js';

/** WGSL `fn order_key(v: T) -> u32` for `dtype`; reads `params.largest` (0 or 1). */
export function orderKeyWgsl(dtype: DType): string {
  const ascending =
    dtype === 'f32'
      ? `
fn ascending_key(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  let a = b & 0x7fffffffu;
  if (a > 0x7f800000u) { return 0xffffffffu; }
  if (a == 0u) { return 0x80000000u; }
  return select(b | 0x80000000u, ~b, b >= 0x80000000u);
}`
      : dtype === 'i32'
        ? `
fn ascending_key(v: i32) -> u32 { return bitcast<u32>(v) ^ 0x80000000u; }`
        : `
fn ascending_key(v: u32) -> u32 { return v; }`;
  return `${ascending}
fn order_key(v: ${dtype}) -> u32 {
  let key = ascending_key(v);
  return select(key, ~key, params.largest != 0u);
}
`;
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** CPU mirror of the WGSL key (used by the tests to explain failures, not by the reference). */
export function orderKeyReference(v: number, dtype: DType, largest: boolean): number {
  let key: number;
  if (dtype === 'f32') {
    f32[0] = v;
    const b = f32Bits[0]!;
    const a = b & 0x7fffffff;
    if (a > 0x7f800000) key = 0xffffffff;
    else if (a === 0) key = 0x80000000;
    else key = b >= 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  } else if (dtype === 'i32') key = ((v | 0) ^ 0x80000000) >>> 0;
  else key = v >>> 0;
  return largest ? ~key >>> 0 : key;
}
