import type { YtvisAnnotation } from '../formats/types';
import type { MatcherObject } from './types';

/**
 * The matcher's objects of one video from a point-annotated YouTube-VIS dataset: its non-crowd
 * annotations in file order (their ids alongside), each with its per-frame points.
 */
export function videoObjects(
  annotations: readonly YtvisAnnotation[],
  videoId: number,
): { ids: number[]; objects: MatcherObject[] } {
  const mine = annotations.filter((a) => a.video_id === videoId && a.iscrowd !== 1);
  return { ids: mine.map((a) => a.id), objects: mine.map((a) => ({ points: a.points ?? [] })) };
}
