// Browser-safe: the per-frame point format's parser and the tracked <-> per-frame converters
// (point-frames.ts adds reading and writing files in Node).
import type {
  PointFrameAnnotation,
  PointFramesDataset,
  YtvisAnnotation,
  YtvisDataset,
  YtvisVideo,
} from './types';
import { parseCategories } from './categories';
import { parsePointList } from './points';
import { parseVideo } from './ytvis-parse';
import {
  JsonPath,
  expectArray,
  expectInteger,
  expectObject,
  indexById,
  optionalInfo,
  optionalLicenses,
  withContext,
} from './json-check';

/**
 * Validates a per-frame point file: the YouTube-VIS layout (videos, categories) with a
 * `point_frames` list in place of `annotations`. Each entry is one object in one frame; nothing
 * links entries across frames. A non-empty `annotations` list is refused so that a file is
 * unambiguously one kind or the other.
 */
export function parsePointFrames(json: unknown, file: string): PointFramesDataset {
  const root = new JsonPath(file);
  const top = expectObject(json, root);
  const videos = expectArray(top.videos, root.key('videos')).map((v, i) =>
    parseVideo(v, root.key('videos').at(i)),
  );
  const videoById = indexById(
    videos.map((v) => v.id),
    root.key('videos'),
    'video',
  );
  const { categories, byId: categoryById } = parseCategories(top.categories, root.key('categories'));
  if (Array.isArray(top.annotations) && top.annotations.length > 0) {
    root.key('annotations').fail('a per-frame point file has no tracks: put its objects in `point_frames`');
  }
  const framesPath = root.key('point_frames');
  const pointFrames = expectArray(top.point_frames, framesPath).map((item, i): PointFrameAnnotation => {
    const path = framesPath.at(i);
    const record = expectObject(item, path);
    const id = expectInteger(record.id, path.key('id'));
    const videoId = expectInteger(record.video_id, path.key('video_id'));
    const video = videos[videoById.get(videoId) ?? -1];
    if (video === undefined) return path.key('video_id').fail(`object ${id}: no video has id ${videoId}`);
    const frame = withContext(`video ${videoId}, object ${id}`, () =>
      expectInteger(record.frame_index, path.key('frame_index'), 0, video.length - 1),
    );
    // Problems with the entry say which video, object and frame they are about.
    return withContext(`video ${videoId}, object ${id}, frame ${frame}`, () => {
      const categoryId = expectInteger(record.category_id, path.key('category_id'));
      if (!categoryById.has(categoryId)) path.key('category_id').fail(`no category has id ${categoryId}`);
      const points = parsePointList(record.points, video.width, video.height, path.key('points'));
      if (points.length === 0) path.key('points').fail('an object needs at least one point');
      return { ...record, id, video_id: videoId, frame_index: frame, category_id: categoryId, points };
    });
  });
  indexById(
    pointFrames.map((f) => f.id),
    framesPath,
    'point frame',
  );
  const { annotations: _ignored, ...rest } = top;
  const dataset: PointFramesDataset = { ...rest, videos, categories, point_frames: pointFrames };
  const info = optionalInfo(top, root);
  const licenses = optionalLicenses(top, root);
  if (info !== undefined) dataset.info = info;
  if (licenses !== undefined) dataset.licenses = licenses;
  return dataset;
}

/**
 * Tracked → per-frame: every (annotation, frame) with a non-empty point list becomes one entry,
 * ordered by video (file order), frame, then annotation; ids are renumbered from 1 so they do not
 * reveal the track. Crowd annotations and annotations without points are left out.
 */
export function dropTrackIds(dataset: YtvisDataset): PointFramesDataset {
  const videoOrder = new Map(dataset.videos.map((v, i) => [v.id, i]));
  const entries: { order: [number, number, number]; entry: Omit<PointFrameAnnotation, 'id'> }[] = [];
  dataset.annotations.forEach((annotation, a) => {
    if (annotation.iscrowd === 1 || annotation.points === undefined) return;
    annotation.points.forEach((points, t) => {
      if (points === null || points.length === 0) return;
      entries.push({
        order: [videoOrder.get(annotation.video_id) ?? 0, t, a],
        entry: {
          video_id: annotation.video_id,
          frame_index: t,
          category_id: annotation.category_id,
          points: points.map((p) => [p[0], p[1], p[2]]),
        },
      });
    });
  });
  entries.sort((p, q) => p.order[0] - q.order[0] || p.order[1] - q.order[1] || p.order[2] - q.order[2]);
  const result: PointFramesDataset = {
    videos: dataset.videos,
    categories: dataset.categories,
    point_frames: entries.map(({ entry }, i) => ({ id: i + 1, ...entry })),
  };
  if (dataset.info !== undefined) result.info = dataset.info;
  if (dataset.licenses !== undefined) result.licenses = dataset.licenses;
  return result;
}

/**
 * Per-frame → tracked: with no identity to follow, each entry becomes its own one-frame track
 * (points null on every other frame), keeping the entry's id as the annotation id.
 */
export function addTrackIds(dataset: PointFramesDataset): YtvisDataset {
  const videoById = new Map<number, YtvisVideo>(dataset.videos.map((v) => [v.id, v]));
  const annotations = dataset.point_frames.map((entry): YtvisAnnotation => {
    const length = videoById.get(entry.video_id)?.length ?? entry.frame_index + 1;
    const points: YtvisAnnotation['points'] = new Array(length).fill(null);
    points[entry.frame_index] = entry.points.map((p) => [p[0], p[1], p[2]]);
    return { id: entry.id, video_id: entry.video_id, category_id: entry.category_id, iscrowd: 0, points };
  });
  const result: YtvisDataset = { videos: dataset.videos, annotations, categories: dataset.categories };
  if (dataset.info !== undefined) result.info = dataset.info;
  if (dataset.licenses !== undefined) result.licenses = dataset.licenses;
  return result;
}
