import { wordsPerRow } from '../../engine/index.js';
import type { MaskShape } from './types';

/**
 * Packs masks [R, T, H, W] on the CPU into the matcher's bit layout u32 [R, T, H, ceil(W/32)]:
 * pixel (y, x) is bit x & 31 of word x >> 5 of its row; set where the value is > threshold
 * (so 0/1 masks pack as they are, soft masks as M̂ > 0.5).
 */
export function packMaskBits(values: ArrayLike<number>, shape: MaskShape, threshold = 0.5): Uint32Array {
  const [proposals, frames, height, width] = shape;
  const rows = proposals * frames * height;
  if (values.length !== rows * width) {
    throw new RangeError(`packMaskBits: ${values.length} values for masks [${shape.join(', ')}]`);
  }
  const ww = wordsPerRow(width);
  const bits = new Uint32Array(rows * ww);
  for (let row = 0; row < rows; row++) {
    const at = row * width;
    for (let w = 0; w < ww; w++) {
      let word = 0;
      const x1 = Math.min(width, (w + 1) * 32);
      for (let x = w * 32; x < x1; x++) if (values[at + x]! > threshold) word |= 1 << (x & 31);
      bits[row * ww + w] = word >>> 0;
    }
  }
  return bits;
}

/** Maskness per proposal from soft masks on the CPU: the mean of M̂_r over T×H×W (float64 sums). */
export function masknessCpu(soft: ArrayLike<number>, shape: MaskShape): number[] {
  const [proposals, frames, height, width] = shape;
  const n = frames * height * width;
  return Array.from({ length: proposals }, (_, r) => {
    let s = 0;
    for (let i = r * n; i < (r + 1) * n; i++) s += soft[i]!;
    return n > 0 ? s / n : 0;
  });
}
