/**
 * Mask2Former's PositionEmbeddingSine(numPosFeats, temperature 10000, normalize=True) without a
 * padding mask: a function of the map's shape only, so it is computed on the host (in float32
 * steps, as the official code does) and uploaded.
 */

/** Where the channels go in the returned array. */
export type PositionLayout = 'channels-first' | 'tokens-first';

const TWO_PI = Math.fround(2 * Math.PI);
const EPS = 1e-6;
const f = Math.fround;

/**
 * The 2·numPosFeats-channel sine encoding of an h×w map. Channels [0, F) encode y and [F, 2F)
 * encode x; inside a half, channel k is sin(e/T_k) for even k and cos(e/T_k) for odd k with
 * T_k = 10000^(2⌊k/2⌋/F), and e = (i+1)/(n + 1e-6)·2π (1-based, normalised to ≈2π at the last
 * row/column). 'channels-first' is [2F, h, w] (the official [1, C, H, W] without batch);
 * 'tokens-first' is [h·w, 2F] with tokens row-major.
 */
export function sinePositionEmbedding(
  h: number,
  w: number,
  numPosFeats: number,
  layout: PositionLayout = 'channels-first',
): Float32Array {
  const channels = 2 * numPosFeats;
  const period = Array.from({ length: numPosFeats }, (_, k) =>
    f(10000 ** f((2 * Math.floor(k / 2)) / numPosFeats)),
  );
  const encode = (e: number, k: number) =>
    f(k % 2 === 0 ? Math.sin(f(e / period[k]!)) : Math.cos(f(e / period[k]!)));
  const yEmbed = Array.from({ length: h }, (_, i) => f(f((i + 1) / f(h + EPS)) * TWO_PI));
  const xEmbed = Array.from({ length: w }, (_, j) => f(f((j + 1) / f(w + EPS)) * TWO_PI));
  const out = new Float32Array(channels * h * w);
  const at =
    layout === 'channels-first'
      ? (c: number, i: number, j: number) => (c * h + i) * w + j
      : (c: number, i: number, j: number) => (i * w + j) * channels + c;
  for (let k = 0; k < numPosFeats; k++) {
    for (let i = 0; i < h; i++) {
      const ey = encode(yEmbed[i]!, k);
      for (let j = 0; j < w; j++) {
        out[at(k, i, j)] = ey;
        out[at(numPosFeats + k, i, j)] = encode(xEmbed[j]!, k);
      }
    }
  }
  return out;
}
