import type { YtvisDataset, YtvisResult } from './types';
import { writeJsonAtomic } from '../io/atomic-write';
import { parseResultRle } from './rle-field';
import { JsonPath, expectArray, expectInteger, expectNumber, expectObject, readJsonFile } from './json-path';

/**
 * Validates a YouTube-VIS results (submission) file: a list of {video_id, category_id, score,
 * segmentations}. Given the dataset, video ids must exist in it (the official loader refuses
 * results for unknown videos); unknown categories and length or size mismatches are left to the
 * evaluator, which has defined behaviour for them.
 */
export function parseYtvisResults(json: unknown, file: string, dataset?: YtvisDataset): YtvisResult[] {
  const root = new JsonPath(file);
  const videoIds = dataset === undefined ? undefined : new Set(dataset.videos.map((v) => v.id));
  return expectArray(json, root).map((item, i) => {
    const path = root.at(i);
    const record = expectObject(item, path);
    const videoId = expectInteger(record.video_id, path.key('video_id'));
    if (videoIds !== undefined && !videoIds.has(videoId))
      path.key('video_id').fail(`no video has id ${videoId}`);
    const segmentationsPath = path.key('segmentations');
    return {
      ...record,
      video_id: videoId,
      category_id: expectInteger(record.category_id, path.key('category_id')),
      score: expectNumber(record.score, path.key('score')),
      segmentations: expectArray(record.segmentations, segmentationsPath).map((seg, t) =>
        seg === null ? null : parseResultRle(seg, segmentationsPath.at(t)),
      ),
    };
  });
}

export function loadYtvisResults(path: string, dataset?: YtvisDataset): YtvisResult[] {
  return parseYtvisResults(readJsonFile(path), path, dataset);
}

export function saveYtvisResults(path: string, results: YtvisResult[]): void {
  parseYtvisResults(results, path);
  writeJsonAtomic(path, results);
}
