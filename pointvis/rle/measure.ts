import type { Box, Rle } from '../formats/types';

/** Foreground pixel count: the sum of the odd-indexed runs. */
export function rleArea(rle: Rle): number {
  let area = 0;
  for (let i = 1; i < rle.counts.length; i += 2) area += rle.counts[i];
  return area;
}

/**
 * Bounding box [x, y, w, h] as pycocotools' rleToBbox computes it: a trailing background run is
 * ignored; each foreground run contributes its first and last pixel, and a run that wraps into a
 * later column makes the box span the full height. An empty mask gives [0, 0, 0, 0].
 */
export function rleBbox(rle: Rle): Box {
  const [h, w] = rle.size;
  const m = rle.counts.length - (rle.counts.length % 2);
  if (m === 0 || h === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let runStartX = 0;
  for (let j = 0; j < m; j++) {
    cc += rle.counts[j];
    const t = cc - (j % 2); // even j: first pixel of the foreground run; odd j: its last pixel
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) runStartX = x;
    else if (runStartX < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Number of pixels foreground in both masks, by walking the two run lists side by side (no
 * decoding). Zero-length runs are handled. Masks of different sizes share no pixels: 0.
 */
export function rleIntersectionArea(a: Rle, b: Rle): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) return 0;
  const ca = a.counts;
  const cb = b.counts;
  let ia = 0; // index of the current run in a
  let ib = 0;
  let endA = ca.length > 0 ? ca[0] : Infinity; // column-major index where the current run ends
  let endB = cb.length > 0 ? cb[0] : Infinity;
  let pos = 0;
  let inter = 0;
  while (ia < ca.length && ib < cb.length) {
    const next = Math.min(endA, endB);
    if (ia % 2 === 1 && ib % 2 === 1) inter += next - pos;
    pos = next;
    if (endA === next) {
      ia++;
      if (ia < ca.length) endA += ca[ia];
    }
    if (endB === next) {
      ib++;
      if (ib < cb.length) endB += cb[ib];
    }
  }
  return inter;
}
