import type { CompressedRle } from './types';
import { compressRle, toRle } from '../rle';
import { MAX_FRAME_SIDE, expectArray, expectInteger, expectObject, type JsonPath } from './json-path';

/**
 * A predicted mask in a results file: an RLE object whose own `size` is trusted (results carry no
 * frame sizes; a size that differs from the ground truth's is the evaluator's business). Counts
 * may be compressed or a plain list; the list form is converted to the string form.
 */
export function parseResultRle(value: unknown, path: JsonPath): CompressedRle {
  const record = expectObject(value, path);
  const size = expectArray(record.size, path.key('size'));
  if (size.length !== 2) path.key('size').fail(`size is [height, width]; got a list of ${size.length}`);
  const height = expectInteger(size[0], path.key('size').part(0), 0, MAX_FRAME_SIDE);
  const width = expectInteger(size[1], path.key('size').part(1), 0, MAX_FRAME_SIDE);
  if (Array.isArray(record.counts)) return compressRle(toRle(record, height, width, path.where()));
  const counts = record.counts;
  if (typeof counts !== 'string')
    return path.key('counts').fail('counts must be a compressed string or a list of run lengths');
  toRle(record, height, width, path.where());
  return { ...record, size: [height, width], counts };
}
