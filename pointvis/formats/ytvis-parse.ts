// Browser-safe parsing of YouTube-VIS files (ytvis.ts adds reading and writing them in Node).
import type { Box, YtvisAnnotation, YtvisDataset, YtvisVideo } from './types';
import { checkSegmentation } from '../rle';
import { parseDatasetSkeleton } from './dataset-skeleton';
import { parsePointList } from './points';
import {
  JsonPath,
  MAX_FRAME_SIDE,
  expectArray,
  expectInteger,
  expectNumber,
  expectObject,
  expectString,
  expectZeroOrOne,
  withContext,
} from './json-check';

/**
 * Validates a YouTube-VIS annotation file (2019 / 2021 / OVIS layout, optionally with the `points`
 * extension) and returns it typed. Unknown fields are kept so a file round-trips unchanged.
 * A missing or null `annotations` (test-split files) reads as []; a missing `iscrowd` reads as 0.
 */
export function parseYtvis(json: unknown, file: string): YtvisDataset {
  const parsed = parseDatasetSkeleton(
    json,
    file,
    { key: 'videos', kind: 'video', parse: parseVideo },
    parseAnnotation,
  );
  const dataset: YtvisDataset = {
    ...parsed.top,
    videos: parsed.items,
    annotations: parsed.annotations,
    categories: parsed.categories,
  };
  if (parsed.info !== undefined) dataset.info = parsed.info;
  if (parsed.licenses !== undefined) dataset.licenses = parsed.licenses;
  return dataset;
}

export function parseVideo(value: unknown, path: JsonPath): YtvisVideo {
  const record = expectObject(value, path);
  const video: YtvisVideo = {
    ...record,
    id: expectInteger(record.id, path.key('id')),
    width: expectInteger(record.width, path.key('width'), 1, MAX_FRAME_SIDE),
    height: expectInteger(record.height, path.key('height'), 1, MAX_FRAME_SIDE),
    length: expectInteger(record.length, path.key('length'), 1),
    file_names: expectArray(record.file_names, path.key('file_names')).map((name, t) =>
      expectString(name, path.key('file_names').at(t)),
    ),
  };
  if (video.file_names.length !== video.length) {
    path
      .key('file_names')
      .fail(`has ${video.file_names.length} entries but the video's length is ${video.length}`);
  }
  return video;
}

function parseAnnotation(
  value: unknown,
  path: JsonPath,
  videoOf: (id: number) => YtvisVideo | undefined,
  categoryById: Map<number, number>,
): YtvisAnnotation {
  const record = expectObject(value, path);
  const id = expectInteger(record.id, path.key('id'));
  const videoId = expectInteger(record.video_id, path.key('video_id'));
  const video = videoOf(videoId);
  if (video === undefined) return path.key('video_id').fail(`object ${id}: no video has id ${videoId}`);
  // Problems with one object say which video, object (and frame) they are about.
  const object = `video ${videoId}, object ${id}`;
  const categoryId = expectInteger(record.category_id, path.key('category_id'));
  if (!categoryById.has(categoryId))
    path.key('category_id').fail(`${object}: no category has id ${categoryId}`);
  const iscrowd = record.iscrowd === undefined ? 0 : expectZeroOrOne(record.iscrowd, path.key('iscrowd'));
  if (record.segmentations === undefined && record.points === undefined) {
    path.fail(`${object}: an annotation needs per-frame \`segmentations\` or \`points\` (or both)`);
  }
  const annotation: YtvisAnnotation = { ...record, id, video_id: videoId, category_id: categoryId, iscrowd };
  const { width, height, length } = video;
  if (record.segmentations !== undefined) {
    annotation.segmentations = perFrame(
      record.segmentations,
      length,
      path.key('segmentations'),
      (seg, p) => {
        checkSegmentation(seg, height, width, p.where());
        return seg as NonNullable<YtvisAnnotation['segmentations']>[number];
      },
      object,
    );
  }
  if (record.areas !== undefined) {
    annotation.areas = perFrame(
      record.areas,
      length,
      path.key('areas'),
      (area, p) => expectNumber(area, p, 0),
      object,
    );
  }
  if (record.bboxes !== undefined) {
    annotation.bboxes = perFrame(record.bboxes, length, path.key('bboxes'), parseBox, object);
  }
  if (record.points !== undefined) {
    annotation.points = perFrame(
      record.points,
      length,
      path.key('points'),
      (points, p) => parsePointList(points, width, height, p),
      object,
    );
  }
  return annotation;
}

/**
 * A per-frame list: exactly one entry per frame, each null or checked by `parse`. Problems are
 * prefixed with `object` ("video 7, object 101") and the frame.
 */
function perFrame<T>(
  value: unknown,
  length: number,
  path: JsonPath,
  parse: (item: unknown, p: JsonPath) => T,
  object: string,
): (T | null)[] {
  const list = withContext(object, () => expectArray(value, path));
  if (list.length !== length)
    path.fail(`${object}: has ${list.length} entries but the video has ${length} frames`);
  return list.map((item, t) =>
    item === null ? null : withContext(`${object}, frame ${t}`, () => parse(item, path.at(t))),
  );
}

/** [x, y, w, h] of finite numbers with non-negative width and height. */
export function parseBox(value: unknown, path: JsonPath): Box {
  const list = expectArray(value, path);
  if (list.length !== 4) path.fail(`a box is [x, y, width, height]; got a list of ${list.length}`);
  return [
    expectNumber(list[0], path.part(0)),
    expectNumber(list[1], path.part(1)),
    expectNumber(list[2], path.part(2), 0),
    expectNumber(list[3], path.part(3), 0),
  ];
}
