import type { Box, CompressedRle, YtvisAnnotation } from '../formats/types';
import { decodeProposalFrame } from '../proposals/decode';
import { decompressRle, rleArea, rleBbox } from '../rle';
import type { ObjectChoices } from './choose';
import type { PreparedVideo } from './prepare';

export interface LabelCounts {
  objectsLabelled: number;
  objectsUnmatched: number;
  objectsWithoutPoints: number;
  labelledFrames: number;
  emptyMasks: number;
  removedFrames: number;
  /** The objects counted in objectsWithoutPoints, named. */
  withoutPoints: { video_id: number; object_id: number }[];
}

export function zeroCounts(): LabelCounts {
  return {
    objectsLabelled: 0,
    objectsUnmatched: 0,
    objectsWithoutPoints: 0,
    labelledFrames: 0,
    emptyMasks: 0,
    removedFrames: 0,
    withoutPoints: [],
  };
}

/**
 * The pseudo-label annotations of one video: each object keeps its id, category and points; its
 * segmentation in frame t is the chosen proposal's mask there (compressed RLE at the video's
 * size), null where nothing was chosen or the mask is empty. Updates `counts`.
 */
export function videoLabels(
  v: PreparedVideo,
  choices: ObjectChoices,
  counts: LabelCounts,
): YtvisAnnotation[] {
  const T = v.video.length;
  return v.annotations.map((annotation, j) => {
    const choice = choices[j]!;
    const present = new Set(v.present[j]);
    const segmentations: (CompressedRle | null)[] = [];
    const areas: (number | null)[] = [];
    const bboxes: (Box | null)[] = [];
    let labelled = 0;
    for (let t = 0; t < T; t++) {
      const r = choice[t]!;
      const seg = r >= 0 ? decodeProposalFrame(v.proposals, r, t) : null;
      if (r >= 0 && seg === null && present.has(t)) counts.emptyMasks++;
      if (seg === null) {
        segmentations.push(null);
        areas.push(null);
        bboxes.push(null);
        continue;
      }
      const rle = decompressRle(seg);
      segmentations.push(seg);
      areas.push(rleArea(rle));
      bboxes.push(rleBbox(rle));
      labelled++;
    }
    counts.labelledFrames += labelled;
    if (labelled > 0) counts.objectsLabelled++;
    if (present.size === 0) {
      counts.objectsWithoutPoints++;
      counts.withoutPoints.push({ video_id: annotation.video_id, object_id: annotation.id });
    } else if (!choice.some((r) => r >= 0)) counts.objectsUnmatched++;
    counts.removedFrames += removedFrames(v, j, choice, present);
    return {
      id: annotation.id,
      video_id: annotation.video_id,
      category_id: annotation.category_id,
      iscrowd: 0,
      segmentations,
      areas,
      bboxes,
      points: annotation.points ?? new Array<null>(T).fill(null),
    };
  });
}

/**
 * Frames where the object's spatio-temporal proposal has a mask but the object is absent or not
 * annotated, so its label was removed (paper: "we remove the pseudo-labels for frames where
 * objects die"). Only a single-track choice (PointVIS) has such frames.
 */
function removedFrames(v: PreparedVideo, j: number, choice: Int32Array, present: Set<number>): number {
  const track = [...present].map((t) => choice[t]!).find((r) => r >= 0);
  if (track === undefined || !choice.every((r) => r === track || r === -1)) return 0;
  let removed = 0;
  v.proposals.proposals[track]!.masks.forEach((m, t) => {
    if (m !== null && choice[t] !== track) removed++;
  });
  return removed;
}
