import { wordsPerRow } from '../../engine/index.js';
import type { CompressedRle, Rle } from '../formats/types';
import { nearestIndices, resampleMask } from '../data/resample';
import { compressRle, decodeMask, decompressRle, encodeMask } from '../rle';
import type { VideoProposalFile } from './types';

/** Sets the bits of an RLE's foreground runs in a packed [H, ceil(W/32)] frame at `offset`. */
function setRunBits(rle: Rle, out: Uint32Array, offset: number): void {
  const [height] = rle.size;
  const ww = wordsPerRow(rle.size[1]);
  let start = 0;
  rle.counts.forEach((count, i) => {
    const end = start + count;
    if (i % 2 === 1) {
      for (let p = start; p < end;) {
        const x = Math.floor(p / height);
        const y0 = p - x * height;
        const y1 = Math.min(height, y0 + (end - p));
        const word = offset + (x >> 5);
        const bit = 1 << (x & 31);
        for (let y = y0; y < y1; y++) out[word + y * ww] |= bit;
        p += y1 - y0;
      }
    }
    start = end;
  });
}

/**
 * The matcher's packed masks of some proposals and frames of a video: u32 [R', T', H,
 * ceil(W/32)] (bit x & 31 of word x >> 5 of a row), straight from the runs (no pixel decode).
 */
export function proposalBits(
  file: VideoProposalFile,
  proposals: readonly number[] = file.proposals.map((_, r) => r),
  frames: readonly number[] = Array.from({ length: file.frames }, (_, t) => t),
): Uint32Array {
  const [height, width] = file.mask_size;
  const frameWords = height * wordsPerRow(width);
  const out = new Uint32Array(proposals.length * frames.length * frameWords);
  proposals.forEach((r, i) => {
    frames.forEach((t, k) => {
      const counts = file.proposals[r]!.masks[t];
      if (counts === null || counts === undefined) return;
      setRunBits(decompressRle({ size: [height, width], counts }), out, (i * frames.length + k) * frameWords);
    });
  });
  return out;
}

/**
 * Proposal r's mask in frame t as a compressed RLE of the video's frame size (resized with
 * nearest neighbour when the masks were stored smaller), or null when it is empty.
 */
export function decodeProposalFrame(file: VideoProposalFile, r: number, t: number): CompressedRle | null {
  const counts = file.proposals[r]!.masks[t] ?? null;
  if (counts === null) return null;
  const [mh, mw] = file.mask_size;
  const [fh, fw] = file.frame_size;
  if (mh === fh && mw === fw) return { size: [fh, fw], counts };
  const small = decodeMask(decompressRle({ size: [mh, mw], counts }));
  const big = resampleMask(small, mw, nearestIndices(mh, fh), nearestIndices(mw, fw));
  if (!big.includes(1)) return null;
  return compressRle(encodeMask(big, fh, fw));
}
