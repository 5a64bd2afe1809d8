import { resolve } from 'node:path';
import type { RgbFrame } from '../frames';
import type { YtvisVideo } from '../formats/types';
import { readSampleImage } from './read-image';
import type { SampleOrigin } from './types';
import type { FrameEntry } from './video-frames';

/** Names a video frame in error messages: "video 3 (video_0003/00002.jpg) frame 2". */
export function frameContext(video: YtvisVideo, frame: number): string {
  return `video ${video.id} (${video.file_names[frame]}) frame ${frame}`;
}

export function frameOrigin(
  video: YtvisVideo,
  entry: FrameEntry,
  frameRoot: string,
  file: string,
): SampleOrigin {
  return {
    file: resolve(frameRoot, video.file_names[entry.frame]),
    id: video.id,
    frame: entry.frame,
    annotations: file,
  };
}

export function readVideoFrame(
  video: YtvisVideo,
  entry: FrameEntry,
  frameRoot: string,
  file: string,
): RgbFrame {
  return readSampleImage(frameOrigin(video, entry, frameRoot, file).file, video, {
    annotations: file,
    field: `videos[${entry.video}].file_names[${entry.frame}]`,
    context: frameContext(video, entry.frame),
  });
}
