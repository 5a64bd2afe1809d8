import type { Rle } from '../formats/types';
import { toRle } from '../rle/index';

/** One frame's mask as run lengths, with what the IoU loops need precomputed. */
export interface FrameMask {
  rle: Rle;
  area: number;
  /** Column-major index of the first foreground pixel and one past the last (0, 0 when empty). */
  start: number;
  end: number;
}

export function frameMask(rle: Rle): FrameMask {
  const counts = rle.counts;
  let position = 0;
  let area = 0;
  let start = -1;
  let end = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i];
    if (i % 2 === 1 && run > 0) {
      if (start < 0) start = position;
      area += run;
      end = position + run;
    }
    position += run;
  }
  return { rle, area, start: Math.max(start, 0), end };
}

/**
 * Python truthiness of a JSON segmentation, as the official code tests it (`if seg:`): null,
 * a missing entry, an empty list or an empty object mean "no mask on this frame".
 */
export function isAbsentSegmentation(seg: unknown): boolean {
  if (seg === null || seg === undefined) return true;
  if (Array.isArray(seg)) return seg.length === 0;
  return typeof seg === 'object' && Object.keys(seg).length === 0;
}

/**
 * Reads one JSON segmentation like pycocotools' annToRLE: RLE objects keep their own `size`
 * (so a size mismatch with the frame surfaces later as "no overlap", as officially), polygons
 * are rasterised at the frame size.
 */
export function readSegmentation(
  seg: unknown,
  frameHeight: number,
  frameWidth: number,
  where: { file: string; field: string; index?: number },
): FrameMask {
  let height = frameHeight;
  let width = frameWidth;
  if (typeof seg === 'object' && seg !== null && !Array.isArray(seg)) {
    const size = (seg as { size?: unknown }).size;
    if (
      Array.isArray(size) &&
      size.length === 2 &&
      typeof size[0] === 'number' &&
      typeof size[1] === 'number'
    ) {
      [height, width] = size as [number, number];
    }
  }
  return frameMask(toRle(seg, height, width, where));
}

function sameSize(a: Rle, b: Rle): boolean {
  return a.size[0] === b.size[0] && a.size[1] === b.size[1];
}

/** Foreground pixels shared by two masks of the same size, walking the runs of both. */
export function intersectionArea(a: FrameMask, b: FrameMask): number {
  if (a.area === 0 || b.area === 0 || a.end <= b.start || b.end <= a.start) return 0;
  const ca = a.rle.counts;
  const cb = b.rle.counts;
  // Skip straight to the run holding the later of the two first foreground pixels.
  let ia = 0;
  let ib = 0;
  let endA = ca[0];
  let endB = cb[0];
  const from = Math.max(a.start, b.start);
  while (endA <= from && ia + 1 < ca.length) endA += ca[++ia];
  while (endB <= from && ib + 1 < cb.length) endB += cb[++ib];
  const until = Math.min(a.end, b.end);
  let position = from;
  let inter = 0;
  while (position < until) {
    const next = Math.min(endA, endB, until);
    if (ia % 2 === 1 && ib % 2 === 1) inter += next - position;
    position = next;
    if (endA === next && ia + 1 < ca.length) endA += ca[++ia];
    if (endB === next && ib + 1 < cb.length) endB += cb[++ib];
  }
  return inter;
}

/**
 * Official YouTube-VIS video IoU: frames paired by index up to the shorter list; on a frame with
 * both masks the intersection and union are added (nothing when the mask sizes differ), on a
 * frame with one mask its area is added to the union. A zero union gives 0.
 */
export function videoIou(dt: readonly (FrameMask | null)[], gt: readonly (FrameMask | null)[]): number {
  const frames = Math.min(dt.length, gt.length);
  let inter = 0;
  let union = 0;
  for (let f = 0; f < frames; f++) {
    const d = dt[f];
    const g = gt[f];
    if (d !== null && g !== null) {
      if (!sameSize(d.rle, g.rle)) continue;
      const shared = intersectionArea(d, g);
      inter += shared;
      union += d.area + g.area - shared;
    } else if (d !== null) union += d.area;
    else if (g !== null) union += g.area;
  }
  return union > 0 ? inter / union : 0;
}
