import { summaryPath } from './files';
import type { PseudoSummary } from './types';

/** The summary of a pseudo-labelling run as a few lines for a terminal. */
export function formatPseudoSummary(s: PseudoSummary, out: string): string {
  const lines = [
    `pseudo: wrote ${out} (${s.variant}, λ = ${s.lambda.join(',')}, score ${s.score}) and ${summaryPath(out)}`,
    `videos ${s.videos} (${s.videos_without_proposals} without proposals); objects ${s.objects}: ` +
      `${s.objects_labelled} labelled, ${s.objects_unmatched} unmatched, ${s.objects_without_points} without points`,
    `object-frames labelled ${s.labelled_frames}; empty proposal masks ${s.empty_masks}; ` +
      `labels removed where the object is absent or not annotated ${s.removed_frames}`,
    s.miou === null
      ? 'mIoU: no ground truth (give --gt, or points with segmentations)'
      : `mIoU vs ground truth: ${(100 * s.miou).toFixed(2)} over ${s.iou_pairs} object-frames`,
  ];
  if (s.objects_without_points > 0) {
    const named = (s.skipped_objects ?? []).map((o) => `video ${o.video_id} object ${o.object_id}`);
    const list = named.length > 10 ? [...named.slice(0, 10), `${named.length - 10} more`] : named;
    lines.push(
      `warning: ${s.objects_without_points} objects have points in no frame and were skipped` +
        (list.length > 0 ? `: ${list.join(', ')}` : ''),
    );
  }
  return lines.join('\n');
}
