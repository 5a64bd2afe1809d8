import type { Rle } from '../formats/types';
import { PointvisDataError } from '../errors';
import { IN_MEMORY, withField, type DataWhere } from './where';

/**
 * Encodes a row-major h×w mask (nonzero = foreground) as COCO RLE: run lengths over the
 * column-major pixel order, the first run counting background (so it may be 0).
 */
export function encodeMask(mask: Uint8Array, height: number, width: number): Rle {
  checkShape(height, width);
  if (mask.length !== height * width) {
    throw new PointvisDataError(`mask has ${mask.length} pixels, expected ${height}×${width}`, IN_MEMORY);
  }
  const total = height * width;
  const toggles = columnMajorToggles(mask, height, width).sort();
  const counts: number[] = [];
  let previous = 0;
  for (let k = 0; k < toggles.length; k++) {
    counts.push(toggles[k] - previous);
    previous = toggles[k];
  }
  counts.push(total - previous);
  return { size: [height, width], counts };
}

/**
 * Column-major indices where the value changes from the pixel before it in column-major order
 * (before pixel 0 counts as background). Found by a cache-friendly row-major scan: pixel (y, x)
 * follows (y−1, x), and (0, x) follows (h−1, x−1); rows are compared 4 bytes at a time when
 * aligned, since most of a mask equals the row above it.
 */
function columnMajorToggles(mask: Uint8Array, h: number, w: number): Float64Array {
  const found: number[] = [];
  const on = (i: number) => mask[i] !== 0;
  if (h === 0 || w === 0) return new Float64Array(0);
  for (let x = 0; x < w; x++) {
    const before = x === 0 ? false : on((h - 1) * w + x - 1);
    if (on(x) !== before) found.push(x * h);
  }
  const words =
    mask.byteOffset % 4 === 0 && w % 4 === 0
      ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2)
      : null;
  for (let y = 1; y < h; y++) {
    const row = y * w;
    if (words !== null) {
      const wordRow = row >> 2;
      const wordStride = w >> 2;
      for (let k = 0; k < wordStride; k++) {
        if (words[wordRow + k] === words[wordRow + k - wordStride]) continue;
        for (let x = 4 * k; x < 4 * k + 4; x++) if (on(row + x) !== on(row + x - w)) found.push(x * h + y);
      }
    } else {
      for (let x = 0; x < w; x++) if (on(row + x) !== on(row + x - w)) found.push(x * h + y);
    }
  }
  return Float64Array.from(found);
}

/** Decodes an RLE to a row-major h×w mask of 0/1. The counts must sum to h·w. */
export function decodeMask(rle: Rle, where: DataWhere = IN_MEMORY): Uint8Array {
  const [height, width] = rle.size;
  checkShape(height, width, where);
  const total = height * width;
  checkCountsSum(rle.counts, total, where);
  const mask = new Uint8Array(total);
  let start = 0; // column-major index of the run's first pixel
  for (let i = 0; i < rle.counts.length; i++) {
    const end = start + rle.counts[i];
    if (i % 2 === 1) fillColumnMajorRun(mask, height, width, start, end);
    start = end;
  }
  return mask;
}

/** Sets pixels [start, end) of the column-major order in a row-major mask, one column piece at a time. */
function fillColumnMajorRun(
  mask: Uint8Array,
  height: number,
  width: number,
  start: number,
  end: number,
): void {
  let p = start;
  while (p < end) {
    const x = Math.floor(p / height);
    const y0 = p - x * height;
    const y1 = Math.min(height, y0 + (end - p));
    for (let y = y0, q = y0 * width + x; y < y1; y++, q += width) mask[q] = 1;
    p += y1 - y0;
  }
}

export function checkShape(height: number, width: number, where: DataWhere = IN_MEMORY): void {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 0 || width < 0) {
    throw new PointvisDataError(
      `RLE size [${height}, ${width}] is not two non-negative integers`,
      withField(where, '.size'),
    );
  }
}

export function checkCountsSum(counts: readonly number[], total: number, where: DataWhere): void {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new PointvisDataError(
        `run length ${c} at position ${i} is not a non-negative integer`,
        withField(where, '.counts'),
      );
    }
    sum += c;
  }
  if (sum !== total) {
    throw new PointvisDataError(
      `run lengths sum to ${sum}, expected height·width = ${total}`,
      withField(where, '.counts'),
    );
  }
}
