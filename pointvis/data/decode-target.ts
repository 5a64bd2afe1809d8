import { PointvisDataError } from '../errors';
import type { Segmentation } from '../formats/types';
import { decodeMask, toRle } from '../rle';

/**
 * Decodes one segmentation (RLE, compressed RLE or polygons) to a height×width mask. An RLE of
 * another size is an error naming the object and frame (`context`), not a silent resize.
 */
export function decodeSegmentation(
  segmentation: Segmentation,
  height: number,
  width: number,
  where: { file: string; field: string; context: string },
): Uint8Array {
  if (!Array.isArray(segmentation)) {
    const size = segmentation.size;
    if (!Array.isArray(size) || size[0] !== height || size[1] !== width) {
      throw new PointvisDataError(
        `${where.context}: mask size ${JSON.stringify(size)} ([height, width]) does not match the frame's [${height}, ${width}]`,
        { file: where.file, field: `${where.field}.size` },
      );
    }
  }
  return decodeMask(toRle(segmentation, height, width, where), where);
}
