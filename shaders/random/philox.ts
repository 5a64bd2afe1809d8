/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
 * counter-based generator, so element i's random words are a pure function of (key, counter)
 * and any invocation can produce its own without state. WGSL has no 32x32->64 multiply, so
 * the high word is assembled from 16-bit halves; the CPU twin does the same u32 arithmetic
 * with Math.imul and `>>> 0`, which makes GPU and CPU streams bit-identical.
 *
 * Layout used by every random kernel: invocation t produces elements 4t..4t+3 from
 * philox(counter = (t, stream, 0, 0), key = (seed low 32 bits, seed high bits)).
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

export const philoxWgsl = `
fn mul_hi_u32(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xffffu;
  let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo;
  let hi_lo = a_hi * b_lo;
  let lo_hi = a_lo * b_hi;
  let hi_hi = a_hi * b_hi;
  let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
  return hi_hi + (hi_lo >> 16u) + (cross >> 16u);
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mul_hi_u32(${M0}u, c.x);
    let lo0 = ${M0}u * c.x;
    let hi1 = mul_hi_u32(${M1}u, c.z);
    let lo1 = ${M1}u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(${W0}u, ${W1}u);
  }
  return c;
}
`;

/** High 32 bits of the 64-bit product of two u32 (same 16-bit decomposition as the WGSL). */
export function mulHiU32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  const hiHi = aHi * bHi;
  const cross = (loLo >>> 16) + (hiLo & 0xffff) + loHi;
  return (hiHi + (hiLo >>> 16) + Math.floor(cross / 65536)) >>> 0;
}

/** Philox4x32-10 of one counter block; returns four u32 words. */
export function philox4x32(
  counter: readonly number[],
  key: readonly number[],
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((v) => v >>> 0) as [number, number];
  for (let r = 0; r < 10; r++) {
    const hi0 = mulHiU32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHiU32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The key words of a seed: an integer in [0, 2^53). */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** The first `n` words of the stream for (seed, stream), as the kernels lay them out. */
export function randomBitsReference(n: number, seed: number, stream = 0): Uint32Array {
  const key = seedKey(seed);
  const out = new Uint32Array(n);
  for (let t = 0; t * 4 < n; t++) {
    const words = philox4x32([t, stream, 0, 0], key);
    for (let k = 0; k < 4 && t * 4 + k < n; k++) out[t * 4 + k] = words[k]!;
  }
  return out;
}
