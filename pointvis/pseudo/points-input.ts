/** Point-annotation files on disk (Node); the parsing is in points-parse.ts (browser-safe). */
import { readJsonFile } from '../formats/json-path';
import { type PointAnnotations, parsePointAnnotations } from './points-parse';

export { type PointAnnotations, parsePointAnnotations } from './points-parse';

/**
 * Reads a point-annotation file as tracked objects: a YouTube-VIS file with `points`, or a
 * per-frame file (`point_frames`, each entry its own one-frame track). Validation errors about
 * an object (a point outside the frame, an unknown category) say which video, object and frame.
 */
export function loadPointAnnotations(path: string): PointAnnotations {
  return parsePointAnnotations(readJsonFile(path), path);
}
