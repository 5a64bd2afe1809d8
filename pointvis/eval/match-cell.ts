import type { EvalCell } from './cell';
import { IOU_THRESHOLDS } from './linspace';

/** How each detection of a cell fared at each IoU threshold, for one area range. */
export interface CellMatch {
  /** Ground truths that count (not crowd, size within the range). */
  regularGtCount: number;
  /** matched[t * D + d]: detection d matched some ground truth (regular or ignored) at threshold t. */
  matched: Uint8Array;
  /** ignored[t * D + d]: detection d counts neither as true nor as false positive at threshold t. */
  ignored: Uint8Array;
}

/**
 * Greedy matching of the official evaluators (evaluateImg / evaluateVid) for one cell and one
 * area range. Ground truths are visited regular-first (stable), a detection takes the highest
 * IoU at or above the threshold with later ground truths winning ties, and falls back to an
 * ignored ground truth only when no regular one qualifies. Crowd regions absorb any number of
 * detections. Unmatched detections whose size is outside the range are ignored.
 */
export function matchCell(cell: EvalCell, areaLow: number, areaHigh: number): CellMatch {
  const gtCount = cell.gtCrowd.length;
  const dtCount = cell.dtScore.length;
  const thresholdCount = IOU_THRESHOLDS.length;

  // Regular ground truths first, then ignored ones, each group in file order.
  const gtIgnored = new Uint8Array(gtCount);
  for (let g = 0; g < gtCount; g++) {
    const area = cell.gtArea[g];
    gtIgnored[g] = cell.gtCrowd[g] === 1 || area < areaLow || area > areaHigh ? 1 : 0;
  }
  const visitOrder: number[] = [];
  for (let g = 0; g < gtCount; g++) if (gtIgnored[g] === 0) visitOrder.push(g);
  const regularGtCount = visitOrder.length;
  for (let g = 0; g < gtCount; g++) if (gtIgnored[g] === 1) visitOrder.push(g);

  const matched = new Uint8Array(thresholdCount * dtCount);
  const ignored = new Uint8Array(thresholdCount * dtCount);
  if (gtCount > 0) {
    const gtTaken = new Uint8Array(gtCount);
    for (let t = 0; t < thresholdCount; t++) {
      gtTaken.fill(0);
      for (let d = 0; d < dtCount; d++) {
        let best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
        let match = -1;
        for (const g of visitOrder) {
          if (gtTaken[g] === 1 && cell.gtCrowd[g] === 0) continue;
          // Already matched a regular one and only ignored ones remain: stop.
          if (match > -1 && gtIgnored[match] === 0 && gtIgnored[g] === 1) break;
          const iou = cell.ious[d * gtCount + g];
          if (iou < best) continue;
          best = iou;
          match = g;
        }
        if (match === -1) continue;
        matched[t * dtCount + d] = 1;
        ignored[t * dtCount + d] = gtIgnored[match];
        gtTaken[match] = 1;
      }
    }
  }
  for (let d = 0; d < dtCount; d++) {
    const area = cell.dtArea[d];
    if (area >= areaLow && area <= areaHigh) continue;
    for (let t = 0; t < thresholdCount; t++) {
      if (matched[t * dtCount + d] === 0) ignored[t * dtCount + d] = 1;
    }
  }
  return { regularGtCount, matched, ignored };
}
