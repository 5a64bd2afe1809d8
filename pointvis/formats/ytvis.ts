/** YouTube-VIS files on disk (Node); parsing is in ytvis-parse.ts (browser-safe). */
import type { YtvisDataset } from './types';
import { writeJsonAtomic } from '../io/atomic-write';
import { readJsonFile } from './json-path';
import { parseYtvis } from './ytvis-parse';

export { parseBox, parseVideo, parseYtvis } from './ytvis-parse';

export function loadYtvis(path: string): YtvisDataset {
  return parseYtvis(readJsonFile(path), path);
}

/** Writes atomically, after validating, so an invalid dataset is never written. */
export function saveYtvis(path: string, dataset: YtvisDataset): void {
  parseYtvis(dataset, path);
  writeJsonAtomic(path, dataset);
}
