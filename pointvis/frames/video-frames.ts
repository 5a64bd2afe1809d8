import { resolve } from 'node:path';
import { PointvisDataError } from '../errors';
import type { YtvisVideo } from '../formats/types';
import type { RgbFrame } from './frame';
import { loadFrame } from './image-io';

/** Path of frame t of a video: its file_names entry, relative to the frames root. */
export function videoFramePath(framesRoot: string, video: YtvisVideo, t: number): string {
  return resolve(framesRoot, video.file_names[t]);
}

/** Loads frame t and checks it has the video's width and height. */
export function loadVideoFrame(framesRoot: string, video: YtvisVideo, t: number): RgbFrame {
  if (!Number.isInteger(t) || t < 0 || t >= video.file_names.length) {
    throw new RangeError(`video ${video.id} has no frame ${t} (it has ${video.file_names.length})`);
  }
  const file = videoFramePath(framesRoot, video, t);
  const frame = loadFrame(file);
  if (frame.width !== video.width || frame.height !== video.height) {
    throw new PointvisDataError(
      `video ${video.id} frame ${t} is ${frame.width}×${frame.height}, but the annotation says ${video.width}×${video.height}`,
      { file, field: `file_names[${t}]`, index: t },
    );
  }
  return frame;
}

/**
 * Loads the frames of a video (all of them, or the given indices), each checked against the
 * video's size. Long videos are large in memory: pass indices, or use loadVideoFrame one by one.
 */
export function loadVideoFrames(
  framesRoot: string,
  video: YtvisVideo,
  frameIndices?: readonly number[],
): RgbFrame[] {
  const indices = frameIndices ?? video.file_names.map((_, t) => t);
  return indices.map((t) => loadVideoFrame(framesRoot, video, t));
}
