/**
 * Browser-safe: a video's decoded frames as the image model's input, window by window (resized
 * like the official test transform, normalised, padded), and their geometry. Where the frames
 * come from is the caller's: frames.ts reads them from disk in Node, the browser app decodes
 * the files the user picked.
 */
import { type Tensor, tensor } from '../../engine/index.js';
import { type FrameSource, type VideoGeometry, paddedGeometry } from '../../model/minvis/index.js';
import { applyAugment, shortEdgeSize } from '../data/augment';
import { type CollateOptions, assembleBatch } from '../data/assemble-batch';
import type { ImageSample } from '../data/types';
import { PointvisDataError } from '../errors';
import type { YtvisVideo } from '../formats/types';
import type { RgbFrame } from '../frames/frame';

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

/** Frame t of a video, decoded, and the file it came from (named in samples and errors). */
export type FrameGetter = (t: number) => { frame: RgbFrame; file: string };

/**
 * The frames of one video for MinVIS window inference: `getFrame(t)` gives each decoded frame
 * (already checked against the video's size); each window is resized, normalised and padded.
 */
export function videoFrameInput(
  video: YtvisVideo,
  getFrame: FrameGetter,
  options: FrameInputOptions,
): VideoInput {
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
      const { frame, file } = getFrame(t);
      const sample: ImageSample = {
        image: frame.data,
        height: frame.height,
        width: frame.width,
        instances: [],
        source: { file, id: video.id, frame: t, annotations: options.dataFile },
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
