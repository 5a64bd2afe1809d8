import { PointvisDataError } from '../errors';
import type { Rle, Segmentation, YtvisAnnotation, YtvisDataset, YtvisVideo } from '../formats/types';
import { rleArea, rleIntersectionArea, toRle } from '../rle';

export interface IouTotals {
  sum: number;
  pairs: number;
}

/** Ground-truth segmentations by annotation id, from the points file itself or a --gt file. */
export type GroundTruthLookup = (annotation: YtvisAnnotation) => (Segmentation | null)[] | null;

/** Ground truth from a dataset with segmentations (a points file made with --keep-masks, or --gt). */
export function groundTruthFrom(gt: YtvisDataset, file: string): GroundTruthLookup {
  const byId = new Map(gt.annotations.map((a) => [a.id, a]));
  return (annotation) => {
    const match = byId.get(annotation.id);
    if (match === undefined || match.video_id !== annotation.video_id) {
      throw new PointvisDataError(
        `no ground truth for video ${annotation.video_id}, object ${annotation.id} (matched by annotation id)`,
        { file },
      );
    }
    return match.segmentations ?? null;
  };
}

/** Whether a dataset carries masks for every non-crowd annotation (then it is its own ground truth). */
export function hasSegmentations(dataset: YtvisDataset): boolean {
  const objects = dataset.annotations.filter((a) => a.iscrowd !== 1);
  return objects.length > 0 && objects.every((a) => a.segmentations !== undefined);
}

function rleOf(
  seg: Segmentation | null | undefined,
  video: YtvisVideo,
  where: { file: string; field: string },
): Rle | null {
  if (seg === null || seg === undefined) return null;
  const rle = toRle(seg, video.height, video.width, where);
  return rleArea(rle) > 0 ? rle : null;
}

/**
 * Adds the per-object per-frame IoUs of one video's pseudo labels to `totals`: over the frames
 * where the object is annotated (its points entry is not null) and the ground truth or the pseudo
 * mask is non-empty; a missing side counts as an empty mask.
 */
export function addVideoIou(
  labels: readonly YtvisAnnotation[],
  video: YtvisVideo,
  gtOf: GroundTruthLookup,
  totals: IouTotals,
  file: string,
): void {
  for (const label of labels) {
    const gt = gtOf(label);
    label.points?.forEach((points, t) => {
      if (points === null) return;
      const where = { file, field: `video ${video.id} object ${label.id} frame ${t}` };
      const g = rleOf(gt?.[t], video, where);
      const p = rleOf(label.segmentations?.[t], video, where);
      if (g === null && p === null) return;
      const inter = g !== null && p !== null ? rleIntersectionArea(g, p) : 0;
      const union = (g ? rleArea(g) : 0) + (p ? rleArea(p) : 0) - inter;
      totals.sum += inter / union;
      totals.pairs++;
    });
  }
}
