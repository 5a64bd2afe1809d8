import { join } from 'node:path';
import type { YtvisAnnotation, YtvisDataset, YtvisVideo } from '../formats/types';
import { loadVideoFrame, savePng } from '../frames';
import { decodeMask, toRle } from '../rle';
import { type StripObject, pickStripFrames, renderStrip } from './strip';

export interface PseudoStripOptions {
  /** Frames per strip at most (default 8). */
  maxFrames?: number;
  /** Drawn frame height (default: the frame's, clamped to [160, 360]). */
  height?: number;
}

function stripObjects(
  video: YtvisVideo,
  annotations: readonly YtvisAnnotation[],
  file: string,
): StripObject[] {
  return annotations.map((a, j) => ({
    masks: video.file_names.map((_, t) => {
      const seg = a.segmentations?.[t];
      if (seg === null || seg === undefined) return null;
      const where = { file, field: `annotations[${j}].segmentations[${t}]` };
      return decodeMask(toRle(seg, video.height, video.width, where), where);
    }),
    points: a.points ?? [],
  }));
}

/** The PNG strip of one video of a pseudo-label (or any YouTube-VIS) file: masks, points. */
export function savePseudoStrip(
  path: string,
  video: YtvisVideo,
  annotations: readonly YtvisAnnotation[],
  framesRoot: string,
  file: string,
  options: PseudoStripOptions = {},
): void {
  const annotated = video.file_names
    .map((_, t) => t)
    .filter((t) => annotations.some((a) => (a.points?.[t] ?? null) !== null));
  const shown = pickStripFrames(video.length, annotated, options.maxFrames ?? 8);
  const frames = video.file_names.map((_, t) =>
    shown.includes(t)
      ? loadVideoFrame(framesRoot, video, t)
      : { width: video.width, height: video.height, data: new Uint8Array(0) },
  );
  const strip = renderStrip(frames, stripObjects(video, annotations, file), {
    frames: shown,
    height: options.height,
  });
  savePng(path, strip);
}

/**
 * Strips (`<dir>/video-<id>.png`) of the first `count` videos of a pseudo-label file that have
 * at least one pseudo mask. Returns the files written.
 */
export function savePseudoStrips(
  dataset: YtvisDataset,
  framesRoot: string,
  dir: string,
  count: number,
  file: string,
  options: PseudoStripOptions = {},
): string[] {
  const written: string[] = [];
  for (const video of dataset.videos) {
    if (written.length >= count) break;
    const annotations = dataset.annotations.filter((a) => a.video_id === video.id && a.iscrowd !== 1);
    if (!annotations.some((a) => a.segmentations?.some((s) => s !== null))) continue;
    const path = join(dir, `video-${video.id}.png`);
    savePseudoStrip(path, video, annotations, framesRoot, file, options);
    written.push(path);
  }
  return written;
}
