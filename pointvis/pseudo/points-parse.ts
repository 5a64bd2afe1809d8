// Browser-safe: point-annotation JSON → tracked objects (points-input.ts reads the file in Node).
import { addTrackIds, parsePointFrames } from '../formats/point-frames-parse';
import { parseYtvis } from '../formats/ytvis-parse';
import type { YtvisDataset } from '../formats/types';

export interface PointAnnotations {
  dataset: YtvisDataset;
  /**
   * false for a per-frame file: its one-frame tracks of the same object in different frames all
   * want the same proposal, so only per-frame matching (variant 'pf') suits it.
   */
  tracked: boolean;
}

/**
 * A parsed point-annotation file (`raw` is its JSON, `path` names it in errors) as tracked
 * objects: a YouTube-VIS file with `points`, or a per-frame file (`point_frames`, each entry its
 * own one-frame track). Validation errors about an object (a point outside the frame, an unknown
 * category) say which video, object and frame (the formats layer's parsers name them).
 */
export function parsePointAnnotations(raw: unknown, path: string): PointAnnotations {
  const perFrame = typeof raw === 'object' && raw !== null && 'point_frames' in raw;
  return perFrame
    ? { dataset: addTrackIds(parsePointFrames(raw, path)), tracked: false }
    : { dataset: parseYtvis(raw, path), tracked: true };
}
