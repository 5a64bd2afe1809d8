/** A video's frames from disk as the image model's input (Node); the tensor work is in frame-tensors.ts. */
import { existsSync } from 'node:fs';
import { PointvisDataError } from '../errors';
import type { YtvisVideo } from '../formats/types';
import { loadVideoFrame, videoFramePath } from '../frames';
import { type FrameInputOptions, type VideoInput, videoFrameInput } from './frame-tensors';

export { type FrameInputOptions, type VideoInput } from './frame-tensors';

function frameError(video: YtvisVideo, t: number, options: FrameInputOptions, problem: string): never {
  throw new PointvisDataError(`video ${video.id} frame ${t}: ${problem}`, {
    file: options.dataFile,
    field: `videos[${options.videoIndex}].file_names[${t}]`,
    index: t,
  });
}

function loadChecked(framesRoot: string, video: YtvisVideo, t: number, options: FrameInputOptions) {
  const path = videoFramePath(framesRoot, video, t);
  if (!existsSync(path)) frameError(video, t, options, `frame file ${path} is missing`);
  try {
    return loadVideoFrame(framesRoot, video, t);
  } catch (err) {
    if (err instanceof PointvisDataError) frameError(video, t, options, err.message);
    throw err;
  }
}

/**
 * The frames of one video for MinVIS window inference: each window is read from disk, checked
 * against the video's size, resized like the official test transform, normalised and padded.
 */
export function videoInput(framesRoot: string, video: YtvisVideo, options: FrameInputOptions): VideoInput {
  return videoFrameInput(
    video,
    (t) => ({
      frame: loadChecked(framesRoot, video, t, options),
      file: videoFramePath(framesRoot, video, t),
    }),
    options,
  );
}
