import type { CompressedRle, Rle } from '../formats/types';
import { PointvisDataError } from '../errors';
import { IN_MEMORY, withField, type DataWhere } from './where';

// pycocotools' string form of RLE counts: from the 4th count on, each value is stored as the
// difference to the count two places earlier (same polarity, so usually small); every value is
// written as little-endian 5-bit groups, 0x20 = "more groups follow", 0x10 in the last group =
// negative, each group offset by ASCII '0' (48) so the result is printable.

const GROUP = 32; // 5 bits

export function compressRle(rle: Rle): CompressedRle {
  const { counts } = rle;
  let text = '';
  for (let i = 0; i < counts.length; i++) {
    let x = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    let more = true;
    while (more) {
      let group = x - Math.floor(x / GROUP) * GROUP; // x & 0x1f, also for negative x
      x = Math.floor(x / GROUP); // arithmetic shift right by 5, without 32-bit overflow
      more = (group & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) group |= 0x20;
      text += String.fromCharCode(group + 48);
    }
  }
  return { size: [rle.size[0], rle.size[1]], counts: text };
}

/**
 * Inverse of compressRle. Rejects characters outside the 64-symbol alphabet and a string that
 * ends in the middle of a value; the sum of the counts is checked by the caller (toRle).
 */
export function decompressRle(compressed: CompressedRle, where: DataWhere = IN_MEMORY): Rle {
  const text = compressed.counts;
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let scale = 1; // 32^k for the k-th group
    let more = true;
    while (more) {
      if (p >= text.length) {
        throw new PointvisDataError(
          'compressed RLE string ends in the middle of a value',
          withField(where, '.counts'),
        );
      }
      const group = text.charCodeAt(p) - 48;
      if (group < 0 || group > 63) {
        throw new PointvisDataError(
          `compressed RLE string has character ${JSON.stringify(text[p])} at offset ${p} (allowed: '0'..'o')`,
          withField(where, '.counts'),
        );
      }
      x += (group & 0x1f) * scale;
      scale *= GROUP;
      more = (group & 0x20) !== 0;
      if (!more && (group & 0x10) !== 0) x -= scale; // sign-extend
      p++;
      if (scale > 2 ** 45 && more) {
        throw new PointvisDataError(
          'compressed RLE string holds a run length too large',
          withField(where, '.counts'),
        );
      }
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return { size: [compressed.size[0], compressed.size[1]], counts };
}
