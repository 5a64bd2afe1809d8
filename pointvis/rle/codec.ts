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
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let p = x; p < mask.length; p += width) {
      const pixel = mask[p] !== 0 ? 1 : 0;
      if (pixel !== value) {
        counts.push(run);
        run = 0;
        value = pixel;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
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
