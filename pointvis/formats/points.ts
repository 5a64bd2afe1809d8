import type { LabeledPoint } from './types';
import { describe, expectArray, expectNumber, type JsonPath } from './json-check';

/**
 * One frame's clicked points: a list of [x, y, label] with 0 ≤ x < width, 0 ≤ y < height
 * (continuous pixel coordinates: pixel (row i, column j) covers [j, j+1) × [i, i+1)) and label
 * 1 (on the object) or 0 (off it).
 */
export function parsePointList(
  value: unknown,
  width: number,
  height: number,
  path: JsonPath,
): LabeledPoint[] {
  return expectArray(value, path).map((item, k) => {
    const p = path.part(k);
    const triple = expectArray(item, p);
    if (triple.length !== 3) p.fail(`a point is [x, y, label]; got a list of ${triple.length}`);
    const x = expectNumber(triple[0], p.part(0));
    const y = expectNumber(triple[1], p.part(1));
    if (x < 0 || x >= width) p.part(0).fail(`x = ${x} is outside the frame [0, ${width})`);
    if (y < 0 || y >= height) p.part(1).fail(`y = ${y} is outside the frame [0, ${height})`);
    const label = triple[2];
    if (label !== 0 && label !== 1)
      return p.part(2).fail(`label must be 1 (positive) or 0 (negative), got ${describe(label)}`);
    return [x, y, label];
  });
}
