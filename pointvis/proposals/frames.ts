import { existsSync } from 'node:fs';
import { type Tensor, tensor } from '../../engine/index.js';
import { type FrameSource, type VideoGeometry, paddedGeometry } from '../../model/minvis/index.js';
import { type CollateOptions, applyAugment, assembleBatch, shortEdgeSize } from '../data';
import type { ImageSample } from '../data';
import { PointvisDataError } from '../errors';
import type { YtvisVideo } from '../formats/types';
import { loadVideoFrame, videoFramePath } from '../frames';

export interface FrameInputOptions {
  /** Test-time resize (ResizeShortestEdge): short side and long-side cap; null keeps the frame size. */
  resize: { shortEdge: number; maxSize: number } | null;
  /** Normalisation and padding of the network input. */
  collate: CollateOptions;
  /** The annotation file and the video's index in it, for errors. */
  dataFile: string;
  videoIndex: number;
}

/** A video's frames as the image model's input, loaded window by window, and their geometry. */
export interface VideoInput {
  source: FrameSource;
  geometry: VideoGeometry;
}

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
  const frames = video.file_names.length;
  if (frames === 0) {
    throw new PointvisDataError(`video ${video.id} has no frames`, {
      file: options.dataFile,
      field: `videos[${options.videoIndex}].file_names`,
    });
  }
  const { height, width } = video;
  const resized: [number, number] = options.resize
    ? shortEdgeSize(height, width, options.resize.shortEdge, options.resize.maxSize)
    : [height, width];
  const divisor = Math.max(1, options.collate.sizeDivisibility);
  const geometry = paddedGeometry([height, width], resized, divisor);
  const load = (start: number, end: number): Tensor => {
    const samples: ImageSample[] = [];
    for (let t = start; t < end; t++) {
      const frame = loadChecked(framesRoot, video, t, options);
      const sample: ImageSample = {
        image: frame.data,
        height: frame.height,
        width: frame.width,
        instances: [],
        source: {
          file: videoFramePath(framesRoot, video, t),
          id: video.id,
          frame: t,
          annotations: options.dataFile,
        },
      };
      const plan = {
        resized,
        crop: { y: 0, x: 0, height: resized[0], width: resized[1] },
        flip: false,
      };
      samples.push(resized[0] === height && resized[1] === width ? sample : applyAugment(sample, plan));
    }
    const host = assembleBatch(samples, { ...options.collate, fixedSize: [...geometry.inputSize] });
    return tensor(host.images, [samples.length, 3, host.height, host.width]);
  };
  return { source: { numFrames: frames, load }, geometry };
}
