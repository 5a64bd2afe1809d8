/** The points stage: simulated clicks of one scheme (and frame ratio) on the training videos. */
import { loadYtvis, saveYtvis } from '../formats/index.js';
import { writeJsonAtomic } from '../io/atomic-write';
import { type PointSummary, annotatePoints, parsePointScheme } from '../points/index.js';
import { summaryPath } from '../pseudo/index.js';
import type { RunContext } from './context';
import type { PointsSpec } from './plan';

export function simulatePoints(ctx: RunContext, spec: PointsSpec): PointSummary {
  const file = ctx.data.trainVideos.annotations;
  const { dataset, summary } = annotatePoints(
    loadYtvis(file),
    {
      scheme: parsePointScheme(spec.scheme),
      positive: ctx.config.points.positive,
      negative: ctx.config.points.negative,
      frameRatio: spec.frameRatio,
      seed: ctx.config.seeds.points,
      // Points only: nothing downstream may learn from the masks.
      keepMasks: false,
    },
    file,
  );
  const out = ctx.layout.points(spec.key);
  saveYtvis(out, dataset);
  writeJsonAtomic(summaryPath(out), summary);
  ctx.log(
    `points ${spec.key}: ${summary.objectFramesAnnotated} object-frames annotated, ${summary.positives} positives, ${summary.negatives} negatives`,
  );
  return summary;
}
