import type { PixelPoint } from '../../engine/index.js';
import { PointvisDataError } from '../errors';
import type { LabeledPoint } from '../formats/types';

export interface PointGrid {
  /** Mask grid the points are looked up in. */
  width: number;
  height: number;
  /** Frame the point coordinates refer to (default: the mask grid). */
  frameWidth: number;
  frameHeight: number;
}

/**
 * The mask pixel a labelled point reads: pixel (row i, column j) covers [j, j+1) × [i, i+1), so
 * (x, y) reads (floor(y), floor(x)) after scaling to the mask grid. Rounding can put a point
 * just inside the far edge onto the edge itself; that reads the last row/column.
 */
export function toPixelPoint(
  point: LabeledPoint,
  grid: PointGrid,
  where: { file: string; field: string },
): PixelPoint {
  const [x, y, label] = point;
  if (!Number.isFinite(x) || x < 0 || x >= grid.frameWidth) {
    throw new PointvisDataError(`x = ${x} is outside the frame [0, ${grid.frameWidth})`, where);
  }
  if (!Number.isFinite(y) || y < 0 || y >= grid.frameHeight) {
    throw new PointvisDataError(`y = ${y} is outside the frame [0, ${grid.frameHeight})`, where);
  }
  if (label !== 0 && label !== 1) {
    throw new PointvisDataError(`label must be 1 or 0, got ${String(label)}`, where);
  }
  const sx = grid.frameWidth === grid.width ? x : (x * grid.width) / grid.frameWidth;
  const sy = grid.frameHeight === grid.height ? y : (y * grid.height) / grid.frameHeight;
  return {
    x: Math.min(Math.floor(sx), grid.width - 1),
    y: Math.min(Math.floor(sy), grid.height - 1),
    label,
  };
}
