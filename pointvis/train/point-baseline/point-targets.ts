/**
 * Host-side tables of the point targets of a batch for the VISP / VISP+CINeg baselines: which
 * annotated point supervises which object, with which label. Object j of an image is supervised
 * at its own clicks (label 1 for a positive click, 0 for a negative one) and, with cross-instance
 * negatives (CINeg), also at every positive click of the other objects of the same frame, as a
 * negative (PointVIS §3.2: "the positive points for one video object can serve as accurate
 * negative points for the other video objects in the same video frame").
 */
import type { HostTarget } from '../../data/index.js';

export interface PointTargetTables {
  batch: number;
  /** Objects per image. */
  counts: number[];
  /** Largest object count (≥ 0) and point count (≥ 1: an image without points has one of weight 0). */
  maxTargets: number;
  maxPoints: number;
  /** [B, maxT]: class index of each object (0 for padding). */
  labels: Int32Array;
  /** [B, maxP, 2]: point x, y normalised to [0, 1] by the padded width and height (point_sample coordinates). */
  coords: Float32Array;
  /** [B, maxT, maxP]: 1 where the point supervises the object. */
  weights: Float32Array;
  /** [B, maxT, maxP]: weight × label (1 where the point is a positive of the object). */
  positives: Float32Array;
  /** [B, maxT]: 1 / (points supervising the object), 0 when none (or padding). */
  inverseCounts: Float32Array;
}

export function pointTargetTables(
  targets: readonly HostTarget[],
  padded: { height: number; width: number },
  crossInstanceNegatives: boolean,
): PointTargetTables {
  const batch = targets.length;
  const counts = targets.map((t) => t.labels.length);
  const maxTargets = Math.max(0, ...counts);
  const maxPoints = Math.max(1, ...targets.map((t) => t.points?.labels.length ?? 0));
  const labels = new Int32Array(batch * maxTargets);
  const coords = new Float32Array(batch * maxPoints * 2);
  const weights = new Float32Array(batch * maxTargets * maxPoints);
  const positives = new Float32Array(batch * maxTargets * maxPoints);
  const inverseCounts = new Float32Array(batch * maxTargets);
  targets.forEach((target, b) => {
    const points = target.points;
    if (!points)
      throw new RangeError(
        `image ${b} of the batch has mask targets; the point baselines need point targets`,
      );
    labels.set(target.labels, b * maxTargets);
    const n = points.labels.length;
    for (let p = 0; p < n; p++) {
      coords[(b * maxPoints + p) * 2] = points.xy[2 * p]! / padded.width;
      coords[(b * maxPoints + p) * 2 + 1] = points.xy[2 * p + 1]! / padded.height;
    }
    for (let j = 0; j < target.labels.length; j++) {
      const row = (b * maxTargets + j) * maxPoints;
      let count = 0;
      for (let p = 0; p < n; p++) {
        const owner = points.objects[p]!;
        const positive = points.labels[p] === 1;
        if (owner === j) {
          weights[row + p] = 1;
          positives[row + p] = positive ? 1 : 0;
          count++;
        } else if (crossInstanceNegatives && positive) {
          weights[row + p] = 1;
          count++;
        }
      }
      inverseCounts[b * maxTargets + j] = count > 0 ? 1 / count : 0;
    }
  });
  return { batch, counts, maxTargets, maxPoints, labels, coords, weights, positives, inverseCounts };
}
