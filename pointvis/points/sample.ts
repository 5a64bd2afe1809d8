import type { Rng } from '../synth/prng';
import { squaredDistanceToBackground } from './distance-transform';

/**
 * Point selection on one binary mask (row-major h×w, nonzero = object). Points are returned as
 * pixel indices (i·w + j); the caller places each at its pixel's centre (j + 0.5, i + 0.5), so a
 * point always lies strictly inside the pixel the rule chose.
 */

export type PositiveRule = 'random' | 'dt';
export type NegativeRule = 'inbox' | 'outbox';
/** Where a negative came from: the two box rules, or anywhere else off the mask (last resort). */
export type NegativeSource = 'inbox' | 'outbox' | 'frame';

/** The mask's tight box in pixels: columns x0 ≤ j < x1, rows y0 ≤ i < y1. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PixelPick {
  pixels: number[];
  /** Picks that had to reuse a pixel because the candidates ran out. */
  repeated: number;
}

export interface NegativePick extends PixelPick {
  /** Source of each pick, parallel to `pixels`. */
  sources: NegativeSource[];
  /** Requested negatives that could not be placed at all (the mask covers the whole frame). */
  missing: number;
}

export function maskBox(mask: Uint8Array, height: number, width: number): PixelBox | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      if (mask[i * width + j] === 0) continue;
      x0 = Math.min(x0, j);
      x1 = Math.max(x1, j + 1);
      y0 = Math.min(y0, i);
      y1 = Math.max(y1, i + 1);
    }
  }
  return x1 === 0 ? null : { x0, y0, x1, y1 };
}

/**
 * Whether pixel (i, j) is a candidate of each negative rule. inbox: inside the box, off the mask.
 * outbox: outside the box, centre inside the box scaled ×2 about its centre (the 200% box,
 * [x0 − w/2, x1 + w/2] × [y0 − h/2, y1 + h/2], edges included; frame clipping is implicit).
 */
export function negativeSourceOf(box: PixelBox, i: number, j: number): NegativeSource {
  const inBox = j >= box.x0 && j < box.x1 && i >= box.y0 && i < box.y1;
  if (inBox) return 'inbox';
  const halfW = (box.x1 - box.x0) / 2;
  const halfH = (box.y1 - box.y0) / 2;
  const cx = j + 0.5;
  const cy = i + 0.5;
  const inDoubleBox =
    cx >= box.x0 - halfW && cx <= box.x1 + halfW && cy >= box.y0 - halfH && cy <= box.y1 + halfH;
  return inDoubleBox ? 'outbox' : 'frame';
}

/** `count` mask pixels uniformly at random, distinct while the mask has enough pixels. */
export function randomPositives(mask: Uint8Array, count: number, rng: Rng): PixelPick {
  const candidates: number[] = [];
  for (let p = 0; p < mask.length; p++) if (mask[p] !== 0) candidates.push(p);
  return drawDistinct([candidates], count, rng).pick;
}

/**
 * The pixel farthest from the background (maximal distance transform; ties: the first in
 * row-major order, i.e. topmost, then leftmost). Further points maximise the distance to both
 * the background and the points already chosen (each chosen pixel joins the background), which
 * spreads them over the object's interior, deepest first.
 */
export function dtPositives(mask: Uint8Array, height: number, width: number, count: number): PixelPick {
  const distance = squaredDistanceToBackground(mask, height, width);
  const pixels: number[] = [];
  let repeated = 0;
  for (let n = 0; n < count; n++) {
    let best = -1;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] !== 0 && (best < 0 || distance[p] > distance[best])) best = p;
    }
    if (best < 0) break; // empty mask
    if (distance[best] === 0) repeated++; // every pixel already chosen
    pixels.push(best);
    const bi = Math.floor(best / width);
    const bj = best - bi * width;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] === 0) continue;
      const di = Math.floor(p / width) - bi;
      const dj = (p % width) - bj;
      distance[p] = Math.min(distance[p], di * di + dj * dj);
    }
  }
  return { pixels, repeated };
}

/**
 * `count` negatives by `rule`, uniformly among its candidates and distinct. When they run out:
 * the other rule's candidates, then any other off-mask pixel of the frame, then (repeating)
 * any off-mask pixel; `sources` records which tier each came from.
 */
export function sampleNegatives(
  mask: Uint8Array,
  height: number,
  width: number,
  box: PixelBox,
  rule: NegativeRule,
  count: number,
  rng: Rng,
): NegativePick {
  const tiers: Record<NegativeSource, number[]> = { inbox: [], outbox: [], frame: [] };
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      if (mask[p] === 0) tiers[negativeSourceOf(box, i, j)].push(p);
    }
  }
  const order: NegativeSource[] =
    rule === 'inbox' ? ['inbox', 'outbox', 'frame'] : ['outbox', 'inbox', 'frame'];
  const { pick, tierOf } = drawDistinct(
    order.map((source) => tiers[source]),
    count,
    rng,
  );
  const offMask = order.reduce((n, source) => n + tiers[source].length, 0);
  return { ...pick, sources: tierOf.map((t) => order[t]), missing: offMask === 0 ? count : 0 };
}

/**
 * Draws `count` items: distinct ones from the first list until it is exhausted, then from the
 * next, and so on; past all of them, with replacement from their union. Returns the list index
 * each draw came from. Nothing is drawn when every list is empty.
 */
function drawDistinct(lists: number[][], count: number, rng: Rng): { pick: PixelPick; tierOf: number[] } {
  const pools = lists.map((list) => list.slice());
  const pixels: number[] = [];
  const tierOf: number[] = [];
  let tier = 0;
  let taken = 0; // items already drawn from pools[tier] (kept at its front)
  while (pixels.length < count && tier < pools.length) {
    const pool = pools[tier];
    if (taken === pool.length) {
      tier++;
      taken = 0;
      continue;
    }
    const k = rng.int(taken, pool.length - 1); // partial Fisher–Yates
    [pool[taken], pool[k]] = [pool[k], pool[taken]];
    pixels.push(pool[taken++]);
    tierOf.push(tier);
  }
  let repeated = 0;
  const total = pools.reduce((n, pool) => n + pool.length, 0);
  while (pixels.length < count && total > 0) {
    let k = rng.int(0, total - 1);
    let t = 0;
    while (k >= pools[t].length) k -= pools[t++].length;
    pixels.push(pools[t][k]);
    tierOf.push(t);
    repeated++;
  }
  return { pick: { pixels, repeated }, tierOf };
}
