/** Video instances → YouTube-VIS results entries (COCO compressed RLE per frame). */
import { wordsPerRow } from '../../engine/index.js';
import type { YtvisResult } from '../../pointvis/formats/types.js';
import { compressRle, encodeMask } from '../../pointvis/rle/index.js';
import type { VideoInstances } from './types.js';

/** Instance i's mask in frame t as a row-major height × width array of 0/1. */
export function instanceFrameMask(instances: VideoInstances, i: number, t: number): Uint8Array {
  const { frames, height, width, maskBits } = instances;
  if (!(i >= 0 && i < instances.queries.length && t >= 0 && t < frames)) {
    throw new RangeError(
      `instanceFrameMask: instance ${i}, frame ${t} of ${instances.queries.length} × ${frames}`,
    );
  }
  const ww = wordsPerRow(width);
  const base = (i * frames + t) * height * ww;
  const mask = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const row = base + y * ww;
    for (let x = 0; x < width; x++) mask[y * width + x] = (maskBits[row + (x >>> 5)]! >>> (x & 31)) & 1;
  }
  return mask;
}

/**
 * One results entry per instance, a compressed RLE for every frame (MinVIS writes empty frames
 * too, never null). `categoryIds[label]` is the dataset's id of contiguous class `label`
 * (YouTube-VIS: the categories sorted by id); default label + 1.
 */
export function videoResults(
  instances: VideoInstances,
  videoId: number,
  categoryIds?: readonly number[],
): YtvisResult[] {
  return Array.from(instances.labels, (label, i) => {
    const categoryId = categoryIds === undefined ? label + 1 : categoryIds[label];
    if (categoryId === undefined) throw new RangeError(`videoResults: no category id for class ${label}`);
    return {
      video_id: videoId,
      category_id: categoryId,
      score: instances.scores[i]!,
      segmentations: Array.from({ length: instances.frames }, (_, t) =>
        compressRle(encodeMask(instanceFrameMask(instances, i, t), instances.height, instances.width)),
      ),
    };
  });
}
