import { orderByScoreDescending, type EvalCell, type EvalProtocol } from './cell';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from './linspace';
import { matchCell, type CellMatch } from './match-cell';

/** numpy's np.spacing(1): added to the precision denominator exactly as the official code does. */
const EPSILON = 2.220446049250313e-16;

/**
 * Precision and recall tables of the official `accumulate`, -1 where undefined (no regular
 * ground truth). precision[t][r][k][a][m] and recall[t][k][a][m] flattened in that (C) order.
 */
export interface Accumulated {
  categoryCount: number;
  precision: Float64Array;
  recall: Float64Array;
}

export function precisionIndex(
  acc: Accumulated,
  protocol: EvalProtocol,
  t: number,
  r: number,
  k: number,
  a: number,
  m: number,
): number {
  const A = protocol.areaRanges.length;
  const M = protocol.maxDets.length;
  return (((t * RECALL_THRESHOLDS.length + r) * acc.categoryCount + k) * A + a) * M + m;
}

export function recallIndex(
  acc: Accumulated,
  protocol: EvalProtocol,
  t: number,
  k: number,
  a: number,
  m: number,
): number {
  const A = protocol.areaRanges.length;
  const M = protocol.maxDets.length;
  return ((t * acc.categoryCount + k) * A + a) * M + m;
}

/**
 * cellsPerCategory[k] lists category k's non-empty cells (at least one ground truth or one
 * detection) in ascending video / image id order; that order decides how tied scores of
 * different videos rank.
 */
export function accumulate(
  cellsPerCategory: readonly (readonly EvalCell[])[],
  protocol: EvalProtocol,
): Accumulated {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const K = cellsPerCategory.length;
  const A = protocol.areaRanges.length;
  const M = protocol.maxDets.length;
  const acc: Accumulated = {
    categoryCount: K,
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
  };
  for (let k = 0; k < K; k++) {
    const cells = cellsPerCategory[k];
    if (cells.length === 0) continue;
    for (let a = 0; a < A; a++) {
      const [low, high] = protocol.areaRanges[a];
      const matches = cells.map((cell) => matchCell(cell, low, high));
      const regularGt = matches.reduce((sum, match) => sum + match.regularGtCount, 0);
      if (regularGt === 0) continue;
      for (let m = 0; m < M; m++) {
        const curves = precisionRecallCurves(cells, matches, protocol.maxDets[m], regularGt);
        for (let t = 0; t < T; t++) {
          acc.recall[recallIndex(acc, protocol, t, k, a, m)] = curves.finalRecall[t];
          for (let r = 0; r < R; r++) {
            acc.precision[precisionIndex(acc, protocol, t, r, k, a, m)] = curves.precisionAtRecall[t * R + r];
          }
        }
      }
    }
  }
  return acc;
}

interface Curves {
  /** [t * R + r]: interpolated precision at recall threshold r (0 where that recall is never reached). */
  precisionAtRecall: Float64Array;
  /** [t]: recall after all detections. */
  finalRecall: Float64Array;
}

/** Pools the top maxDet detections of every cell, ranks them by score and reads off the curves. */
function precisionRecallCurves(
  cells: readonly EvalCell[],
  matches: readonly CellMatch[],
  maxDet: number,
  regularGt: number,
): Curves {
  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  // Pool: cell c's detection d for d < min(D, maxDet), cells in id order.
  const poolCell: number[] = [];
  const poolDet: number[] = [];
  const poolScore: number[] = [];
  cells.forEach((cell, c) => {
    const kept = Math.min(cell.dtScore.length, maxDet);
    for (let d = 0; d < kept; d++) {
      poolCell.push(c);
      poolDet.push(d);
      poolScore.push(cell.dtScore[d]);
    }
  });
  const order = orderByScoreDescending(poolScore);
  const n = order.length;
  const precisionAtRecall = new Float64Array(T * R);
  const finalRecall = new Float64Array(T);
  const recall = new Float64Array(n);
  const precision = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      const c = poolCell[order[i]];
      const d = poolDet[order[i]];
      const dtCount = cells[c].dtScore.length;
      const match = matches[c];
      if (match.ignored[t * dtCount + d] === 0) {
        if (match.matched[t * dtCount + d] === 1) tp++;
        else fp++;
      }
      recall[i] = tp / regularGt;
      precision[i] = tp / (fp + tp + EPSILON);
    }
    finalRecall[t] = n > 0 ? recall[n - 1] : 0;
    // Interpolate: precision becomes non-increasing from the right.
    for (let i = n - 1; i > 0; i--) {
      if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
    }
    // For each recall threshold, the first rank reaching it (searchsorted, side 'left').
    let i = 0;
    for (let r = 0; r < R; r++) {
      while (i < n && recall[i] < RECALL_THRESHOLDS[r]) i++;
      if (i === n) break; // unreached thresholds keep precision 0
      precisionAtRecall[t * R + r] = precision[i];
    }
  }
  return { precisionAtRecall, finalRecall };
}
