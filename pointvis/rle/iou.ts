import type { Box, Rle } from '../formats/types';
import { rleArea, rleBbox } from './measure';

/**
 * IoU of every detection with every ground truth, as pycocotools' maskUtils.iou: returns a
 * dt.length × gt.length row-major matrix. For a crowd ground truth the denominator is the
 * detection's area. Pairs whose bounding boxes do not overlap are 0 without looking at the runs;
 * overlapping pairs of different mask sizes are -1; no intersection gives 0.
 */
export function rleIou(dt: Rle[], gt: Rle[], iscrowd: boolean[]): Float64Array {
  const m = dt.length;
  const n = gt.length;
  const out = new Float64Array(m * n);
  const dtBoxes = dt.map(rleBbox);
  const gtBoxes = gt.map(rleBbox);
  for (let g = 0; g < n; g++) {
    const crowd = iscrowd[g] === true;
    for (let d = 0; d < m; d++) {
      if (boxIou(dtBoxes[d], gtBoxes[g], crowd) <= 0) continue;
      const a = dt[d];
      const b = gt[g];
      if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
        out[d * n + g] = -1;
        continue;
      }
      const [inter, union] = walkIntersectionUnion(a.counts, b.counts);
      if (inter === 0) continue;
      out[d * n + g] = inter / (crowd ? rleArea(a) : union);
    }
  }
  return out;
}

/** pycocotools bbIou (used there as a cheap prefilter). */
function boxIou(d: Box, g: Box, crowd: boolean): number {
  const w = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const areaD = d[2] * d[3];
  return inter / (crowd ? areaD : areaD + g[2] * g[3] - inter);
}

/** The run walk of pycocotools' rleIou (same loop shape, so the same result on odd inputs). */
function walkIntersectionUnion(a: readonly number[], b: readonly number[]): [number, number] {
  let ca = a[0];
  let cb = b[0];
  let ia = 1;
  let ib = 1;
  let va = false;
  let vb = false;
  let inter = 0;
  let union = 0;
  let remaining = 1;
  while (remaining > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      union += c;
      if (va && vb) inter += c;
    }
    remaining = 0;
    ca -= c;
    if (ca === 0 && ia < a.length) {
      ca = a[ia++];
      va = !va;
    }
    remaining += ca;
    cb -= c;
    if (cb === 0 && ib < b.length) {
      cb = b[ib++];
      vb = !vb;
    }
    remaining += cb;
  }
  return [inter, union];
}
