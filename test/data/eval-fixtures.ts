// Small builders for the evaluation tests: masks from rectangles, YouTube-VIS / COCO records.
import type {
  CocoAnnotation,
  CompressedRle,
  Rle,
  YtvisAnnotation,
  YtvisResult,
} from '../../pointvis/formats/types';
import { compressRle, encodeMask, rleArea } from '../../pointvis/rle/index';

/** Mask of an h×w frame with rows [y0, y1) × columns [x0, x1) set. */
export function rect(h: number, w: number, x0: number, x1: number, y0 = 0, y1 = h): Rle {
  const mask = new Uint8Array(h * w);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1;
  return encodeMask(mask, h, w);
}

export function compressed(rle: Rle): CompressedRle {
  return compressRle(rle);
}

let nextId = 1;

/** A ground-truth track; `areas` defaults to the masks' pixel counts (null where absent). */
export function gtTrack(
  videoId: number,
  categoryId: number,
  frames: (Rle | null)[],
  extra: { iscrowd?: 0 | 1; areas?: (number | null)[] } = {},
): YtvisAnnotation {
  return {
    id: nextId++,
    video_id: videoId,
    category_id: categoryId,
    segmentations: frames,
    areas: extra.areas ?? frames.map((f) => (f === null ? null : rleArea(f))),
    iscrowd: extra.iscrowd ?? 0,
  };
}

export function detection(
  videoId: number,
  categoryId: number,
  score: number,
  frames: (Rle | null)[],
): YtvisResult {
  return {
    video_id: videoId,
    category_id: categoryId,
    score,
    segmentations: frames.map((f) => (f === null ? null : compressRle(f))),
  };
}

export function video(id: number, length: number, height = 10, width = 10) {
  return { id, width, height, length, file_names: Array.from({ length }, (_, t) => `${id}/${t}.jpg`) };
}

export function categories(...ids: number[]) {
  return ids.map((id) => ({ id, name: `cat${id}` }));
}

export function cocoGt(
  imageId: number,
  categoryId: number,
  mask: Rle,
  extra: { iscrowd?: 0 | 1; area?: number } = {},
): CocoAnnotation {
  return {
    id: nextId++,
    image_id: imageId,
    category_id: categoryId,
    segmentation: mask,
    area: extra.area ?? rleArea(mask),
    bbox: [0, 0, 1, 1],
    iscrowd: extra.iscrowd ?? 0,
  };
}

export function image(id: number, height = 10, width = 10) {
  return { id, width, height, file_name: `${id}.jpg` };
}
