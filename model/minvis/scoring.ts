/**
 * MinVIS video inference (Mask2Former video instance inference): class logits averaged over
 * frames → softmax → no-object dropped → top-k over queries × classes; each pick's mask is its
 * query's mask logits resized to the video and thresholded; its score is the class probability.
 */
import {
  type Tensor,
  Tensor as TensorClass,
  max,
  mean,
  noGrad,
  packProposalMasks,
  permute,
  slice,
  softmax,
  tensor,
  tidy,
  tidyAsync,
  indexSelect,
  wordsPerRow,
  writeInto,
} from '../../engine/index.js';
import { type ResizeOptions, forEachResizedChunk } from './resize.js';
import type { VideoGeometry, VideoInstances } from './types.js';

export const DEFAULT_TOPK_PER_VIDEO = 10;

/** softmax(mean over frames of logits [T, Q, C+1]) without the no-object column: f32 [Q, C]. */
export function videoClassProbabilities(predLogits: Tensor): Tensor {
  if (predLogits.ndim !== 3 || predLogits.shape[2]! < 2) {
    throw new Error(
      `videoClassProbabilities: logits ${predLogits.describe()} must be [T, Q, C+1] with C ≥ 1`,
    );
  }
  const classes = predLogits.shape[2]! - 1;
  return noGrad(() => tidy(() => slice(softmax(mean(predLogits, 0), -1), 1, 0, classes)));
}

/** Per query, its best class probability (no-object excluded) of the video-level logits: f32 [Q]. */
export function videoConfidence(predLogits: Tensor): Tensor {
  return noGrad(() => tidy(() => max(videoClassProbabilities(predLogits), -1)));
}

export interface TopkPicks {
  scores: Float32Array;
  labels: Int32Array;
  queries: Int32Array;
}

/**
 * The k largest of probabilities [Q, C] (row-major) over all queries × classes, highest first
 * (ties: lower flat index first); label = index % C, query = floor(index / C).
 */
export function topkPicks(probs: ArrayLike<number>, classes: number, k: number): TopkPicks {
  const order = Array.from({ length: probs.length }, (_, i) => i);
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  const picked = order.slice(0, Math.min(k, order.length));
  return {
    scores: Float32Array.from(picked, (i) => probs[i]!),
    labels: Int32Array.from(picked, (i) => i % classes),
    queries: Int32Array.from(picked, (i) => Math.floor(i / classes)),
  };
}

export interface ScoreVideoOptions extends ResizeOptions {
  /** Instances kept per video (10). */
  topk?: number;
  /** A pixel is in a mask where its resized logit is > this (0). */
  maskThreshold?: number;
}

/**
 * Top-k instances of a tracked video: `predLogits` [T, Q, C+1], `predMasks` [T, Q, h, w] mask
 * logits in track order. Two readbacks: the class probabilities and the packed masks.
 */
export async function scoreVideo(
  tracked: { readonly predLogits: Tensor; readonly predMasks: Tensor },
  geometry: VideoGeometry,
  options: ScoreVideoOptions = {},
): Promise<VideoInstances> {
  const { predLogits, predMasks } = tracked;
  if (
    predMasks.ndim !== 4 ||
    predMasks.shape[0] !== predLogits.shape[0] ||
    predMasks.shape[1] !== predLogits.shape[1]
  ) {
    throw new Error(`scoreVideo: masks ${predMasks.describe()} do not match logits ${predLogits.describe()}`);
  }
  const classes = predLogits.shape[2]! - 1;
  const frames = predMasks.shape[0]!;
  const [height, width] = geometry.outputSize;
  const probs = await tidyAsync(
    async () => (await videoClassProbabilities(predLogits).data()) as Float32Array,
  );
  const picks = topkPicks(probs, classes, options.topk ?? DEFAULT_TOPK_PER_VIDEO);
  const k = picks.queries.length;
  if (k === 0) return { ...picks, frames, height, width, maskBits: new Uint32Array(0) };
  const threshold = options.maskThreshold ?? 0;
  const bits = await tidyAsync(async () => {
    const all = TensorClass.empty([k, frames, height, wordsPerRow(width)], 'u32');
    // The picks' mask logits as [k, T, h, w]: a view of [T, k, h, w], read through its strides.
    const chosen = permute(indexSelect(predMasks, 1, tensor(picks.queries, [k], 'i32')), [1, 0, 2, 3]);
    forEachResizedChunk(
      chosen,
      geometry,
      [height, width],
      (chunk, n0, t0) => {
        const packed = packProposalMasks(chunk, threshold);
        const [n, t] = chunk.shape as [number, number];
        writeInto(slice(slice(all, 0, n0, n0 + n), 1, t0, t0 + t), packed.bits);
      },
      options,
    );
    return (await all.data()) as Uint32Array;
  });
  return { ...picks, frames, height, width, maskBits: bits };
}
