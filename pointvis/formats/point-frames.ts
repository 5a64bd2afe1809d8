/** Per-frame point files on disk (Node); parsing and converters are in point-frames-parse.ts. */
import type { PointFramesDataset } from './types';
import { writeJsonAtomic } from '../io/atomic-write';
import { readJsonFile } from './json-path';
import { parsePointFrames } from './point-frames-parse';

export { addTrackIds, dropTrackIds, parsePointFrames } from './point-frames-parse';

export function loadPointFrames(path: string): PointFramesDataset {
  return parsePointFrames(readJsonFile(path), path);
}

export function savePointFrames(path: string, dataset: PointFramesDataset): void {
  parsePointFrames(dataset, path);
  writeJsonAtomic(path, dataset);
}
