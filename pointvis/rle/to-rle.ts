import type { CompressedRle, Polygons, Rle } from '../formats/types';
import { PointvisDataError } from '../errors';
import { checkCountsSum } from './codec';
import { decompressRle } from './compress';
import { polygonsToRle } from './polygon';
import { withField, type DataWhere } from './where';

/**
 * Reads one segmentation as found in COCO / YouTube-VIS JSON — compressed RLE, uncompressed RLE,
 * or polygons — into an uncompressed Rle of size [height, width], checking everything a later
 * decode or IoU would trust. Uncompressed counts are kept as given (zero-length runs included),
 * as the official tools do.
 */
export function toRle(
  seg: unknown,
  height: number,
  width: number,
  where: { file: string; field: string; index?: number },
): Rle {
  if (Array.isArray(seg)) return polygonsToRle(checkPolygons(seg, height, width, where), height, width);
  if (typeof seg !== 'object' || seg === null) {
    throw new PointvisDataError(
      `segmentation must be an RLE object or a polygon list, got ${describe(seg)}`,
      where,
    );
  }
  const record = seg as Record<string, unknown>;
  checkSize(record.size, height, width, where);
  const size: [number, number] = [height, width];
  const counts = record.counts;
  if (typeof counts === 'string') {
    const rle = decompressRle({ size, counts } satisfies CompressedRle, where);
    checkCountsSum(rle.counts, height * width, where);
    return rle;
  }
  if (Array.isArray(counts)) {
    for (let i = 0; i < counts.length; i++) {
      if (typeof counts[i] !== 'number') {
        throw new PointvisDataError(
          `run length at position ${i} is ${describe(counts[i])}, not a number`,
          withField(where, `.counts[${i}]`),
        );
      }
    }
    const list = counts as number[];
    checkCountsSum(list, height * width, where);
    return { size, counts: list.slice() };
  }
  throw new PointvisDataError(
    `RLE counts must be a string or a list of numbers, got ${describe(counts)}`,
    withField(where, '.counts'),
  );
}

/**
 * Validates a segmentation without keeping the result: RLE counts are checked in full, polygons
 * only for shape (rasterising every polygon of a dataset on load would be wasted work).
 */
export function checkSegmentation(
  seg: unknown,
  height: number,
  width: number,
  where: { file: string; field: string; index?: number },
): void {
  if (Array.isArray(seg)) checkPolygons(seg, height, width, where);
  else toRle(seg, height, width, where);
}

function checkSize(size: unknown, height: number, width: number, where: DataWhere): void {
  const ok = Array.isArray(size) && size.length === 2 && size[0] === height && size[1] === width;
  if (!ok) {
    throw new PointvisDataError(
      `RLE size ${JSON.stringify(size) ?? 'undefined'} does not equal the frame size [${height}, ${width}]`,
      withField(where, '.size'),
    );
  }
}

function checkPolygons(seg: unknown[], height: number, width: number, where: DataWhere): Polygons {
  if (seg.length === 0) throw new PointvisDataError('polygon segmentation has no parts', where);
  const boxes = Array.isArray(seg[0]) && seg[0].length === 4;
  // Rasterising walks every edge in fifth-pixel steps: bound coordinates to keep that finite and
  // small, generously (vertices a little outside the frame are common and legal).
  const limit = 10 * Math.max(height, width, 1);
  seg.forEach((part, i) => {
    const partWhere = withField(where, `[${i}]`);
    if (!Array.isArray(part))
      throw new PointvisDataError(`polygon part is ${describe(part)}, not a list`, partWhere);
    if (boxes && part.length !== 4) {
      throw new PointvisDataError(
        `the first part is a box [x, y, w, h], so this part must be one too`,
        partWhere,
      );
    }
    // pycocotools rejects a first part shorter than a box; later parts may be degenerate (2 or 4 numbers).
    const minimum = i === 0 ? 6 : 2;
    if (!boxes && (part.length < minimum || part.length % 2 !== 0)) {
      throw new PointvisDataError(
        `polygon part has ${part.length} numbers; expected an even count of at least ${minimum} (or a box of 4)`,
        partWhere,
      );
    }
    part.forEach((value: unknown, j: number) => {
      if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
        throw new PointvisDataError(
          `polygon coordinate ${describe(value)} is not a finite number within ±${limit}`,
          withField(partWhere, `[${j}]`),
        );
      }
    });
  });
  return seg as Polygons;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return String(value);
  return typeof value;
}
