import type { Polygons, Rle } from '../formats/types';
import { rleMerge } from './merge';

// Rasterisation of polygons as pycocotools' rleFrPoly does it, so masks built from polygon
// ground truth match the official evaluator pixel for pixel: vertices are scaled by 5 and
// rounded, every edge is walked one upsampled step at a time, and a pixel column x toggles
// between background and foreground where an edge crosses that column's centre line; the
// toggles, sorted in column-major order, are the run boundaries.

const SCALE = 5;

/** C's (int) cast: truncation toward zero. */
const toInt = Math.trunc;

/**
 * RLE of a polygon segmentation: the union of its parts. As in pycocotools, when the first part
 * has exactly 4 numbers every part is read as a box [x, y, w, h].
 */
export function polygonsToRle(polygons: Polygons, height: number, width: number): Rle {
  const parts = polygons.length > 0 && polygons[0].length === 4 ? polygons.map(boxToPolygon) : polygons;
  const rles = parts.map((part) => polygonPartToRle(part, height, width));
  if (rles.length === 0) return { size: [height, width], counts: [height * width] };
  return rleMerge(rles, false);
}

function boxToPolygon(box: number[]): number[] {
  const [x, y, w, h] = box;
  const xe = x + w;
  const ye = y + h;
  return [x, y, x, ye, xe, ye, xe, y];
}

/** One closed polygon [x0, y0, x1, y1, ...] (a trailing odd number is ignored, as in pycocotools). */
export function polygonPartToRle(xy: readonly number[], height: number, width: number): Rle {
  const k = Math.floor(xy.length / 2);
  if (k === 0) return { size: [height, width], counts: [height * width] };
  const [u, v] = upsampledBoundary(xy, k);
  const toggles = columnCrossings(u, v, height, width);
  return runsFromToggles(toggles, height, width);
}

/** Integer points, densely along every edge, in the ×5 grid. */
function upsampledBoundary(xy: readonly number[], k: number): [Int32Array, Int32Array] {
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = toInt(SCALE * xy[2 * j] + 0.5);
    y[j] = toInt(SCALE * xy[2 * j + 1] + 0.5);
  }
  x[k] = x[0];
  y[k] = y[0];
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
  const u = new Int32Array(total);
  const v = new Int32Array(total);
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j];
    let xe = x[j + 1];
    let ys = y[j];
    let ye = y[j + 1];
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    // Walk along the longer axis from the lower end, but emit points from the edge's start.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    if (dx >= dy) {
      const s = (ye - ys) / dx; // NaN for a zero-length edge; its single point never matters
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = toInt(ys + s * t + 0.5);
        m++;
      }
    } else {
      const s = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = toInt(xs + s * t + 0.5);
        m++;
      }
    }
  }
  return [u, v];
}

/** Column-major pixel indices where the mask toggles: one per boundary step across a column centre. */
function columnCrossings(u: Int32Array, v: Int32Array, h: number, w: number): number[] {
  const toggles: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    toggles.push(xd * h + yd);
  }
  return toggles;
}

function runsFromToggles(toggles: number[], h: number, w: number): Rle {
  const a = toggles;
  a.push(h * w);
  a.sort((p, q) => p - q);
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j];
    a[j] -= previous;
    previous = t;
  }
  // Two toggles at the same pixel cancel: merge the following run into the previous one.
  const counts: number[] = [a[0]];
  let j = 1;
  while (j < a.length) {
    if (a[j] > 0) counts.push(a[j++]);
    else {
      j++;
      if (j < a.length) counts[counts.length - 1] += a[j++];
    }
  }
  return { size: [h, w], counts };
}
