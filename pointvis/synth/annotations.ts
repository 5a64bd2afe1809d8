import type { Box, CocoAnnotation, CompressedRle, YtvisAnnotation } from '../formats/types';
import { compressRle, encodeMask, rleArea, rleBbox } from '../rle';
import { ownerMask, type RenderedFrame } from './render';
import type { RenderedScene } from './scene-render';

/** Ground truth of one object on one frame, measured from the rendered visible mask. */
interface FrameTruth {
  segmentation: CompressedRle;
  area: number;
  bbox: Box;
}

function frameTruth(frame: RenderedFrame, track: number): FrameTruth | null {
  if (frame.visibleArea[track] === 0) return null;
  const rle = encodeMask(ownerMask(frame, track), frame.height, frame.width);
  return { segmentation: compressRle(rle), area: rleArea(rle), bbox: rleBbox(rle) };
}

/**
 * YouTube-VIS annotations of a rendered video: one per object visible on at least one frame
 * (in track order), null on frames where it is absent. Ids continue from `firstId`.
 */
export function videoAnnotations(scene: RenderedScene, videoId: number, firstId: number): YtvisAnnotation[] {
  const annotations: YtvisAnnotation[] = [];
  scene.tracks.forEach((track, k) => {
    const truths = scene.frames.map((frame) => frameTruth(frame, k));
    if (truths.every((truth) => truth === null)) return;
    annotations.push({
      id: firstId + annotations.length,
      video_id: videoId,
      category_id: track.category.id,
      segmentations: truths.map((truth) => truth?.segmentation ?? null),
      areas: truths.map((truth) => truth?.area ?? null),
      bboxes: truths.map((truth) => truth?.bbox ?? null),
      iscrowd: 0,
    });
  });
  return annotations;
}

/** COCO annotations of a rendered one-frame scene: one per visible object. */
export function imageAnnotations(scene: RenderedScene, imageId: number, firstId: number): CocoAnnotation[] {
  const annotations: CocoAnnotation[] = [];
  scene.tracks.forEach((track, k) => {
    const truth = frameTruth(scene.frames[0], k);
    if (truth === null) return;
    annotations.push({
      id: firstId + annotations.length,
      image_id: imageId,
      category_id: track.category.id,
      segmentation: truth.segmentation,
      area: truth.area,
      bbox: truth.bbox,
      iscrowd: 0,
    });
  });
  return annotations;
}
