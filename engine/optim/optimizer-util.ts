import type { Tensor } from '../tensor.js';

/** Binds a dense f32 tensor's exact byte range (at least 4 bytes, as WebGPU requires). */
export function bindDense(t: Tensor): { buffer: GPUBuffer; size: number } {
  return { buffer: t.buffer, size: Math.max(4, t.size * 4) };
}

/** Vectorised kernels need a multiple of 4 elements. */
export function useVec4(n: number): boolean {
  return n % 4 === 0;
}
