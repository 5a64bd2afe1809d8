import { compressRle, encodeMask } from '../rle';
import type { ProposalEntry } from './types';

/** Scores are stored with 6 significant digits: plenty for ranking, and the files stay small. */
export function roundScore(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(6));
}

export interface SoftChunk {
  /** f32 [n, T, H, W]: soft masks M̂ of n consecutive tracks. */
  soft: Float32Array;
  shape: readonly [number, number, number, number];
  /** Track index of row 0. */
  firstQuery: number;
  /** n class confidences. */
  confidence: ArrayLike<number>;
}

/**
 * Compacts soft masks into proposal entries: the binarised mask (M̂ > threshold) of every frame
 * as a compressed RLE (null when empty), and the maskness scores measured on the soft values
 * (float64 sums).
 */
export function encodeProposals(chunk: SoftChunk, threshold: number): ProposalEntry[] {
  const [n, frames, height, width] = chunk.shape;
  const pixels = height * width;
  if (chunk.soft.length !== n * frames * pixels) {
    throw new RangeError(`encodeProposals: ${chunk.soft.length} values for [${chunk.shape.join(', ')}]`);
  }
  const mask = new Uint8Array(pixels);
  const out: ProposalEntry[] = [];
  for (let r = 0; r < n; r++) {
    let total = 0;
    let insideSum = 0;
    let insideCount = 0;
    const frameMaskness: number[] = [];
    const masks: (string | null)[] = [];
    for (let t = 0; t < frames; t++) {
      const base = (r * frames + t) * pixels;
      let frameSum = 0;
      let on = 0;
      for (let i = 0; i < pixels; i++) {
        const v = chunk.soft[base + i]!;
        frameSum += v;
        if (v > threshold) {
          mask[i] = 1;
          insideSum += v;
          on++;
        } else mask[i] = 0;
      }
      total += frameSum;
      insideCount += on;
      frameMaskness.push(roundScore(pixels > 0 ? frameSum / pixels : 0));
      masks.push(on > 0 ? compressRle(encodeMask(mask, height, width)).counts : null);
    }
    const all = frames * pixels;
    out.push({
      query: chunk.firstQuery + r,
      maskness: roundScore(all > 0 ? total / all : 0),
      confidence: roundScore(chunk.confidence[r]!),
      inside: roundScore(insideCount > 0 ? insideSum / insideCount : 0),
      frame_maskness: frameMaskness,
      masks,
    });
  }
  return out;
}

/** The R entries kept when the config asks for fewer than the queries: highest maskness, in track order. */
export function keepTopProposals(entries: readonly ProposalEntry[], keep: number): ProposalEntry[] {
  if (keep >= entries.length) return [...entries];
  const order = entries.map((_, i) => i).sort((a, b) => entries[b]!.maskness - entries[a]!.maskness || a - b);
  const chosen = new Set(order.slice(0, keep));
  return entries.filter((_, i) => chosen.has(i));
}
