/**
 * PointVIS class-agnostic spatio-temporal proposals (§3.1): every tracked query of the image
 * model is a proposal — its soft mask sequence M̂ = sigmoid(mask logits) over the video, its
 * maskness c_r (mean of M̂ over T×H×W) and its class confidence ĉ_r. Stays on the GPU: the point
 * matcher (pointvis/matcher) packs M̂ there.
 */
import {
  type Tensor,
  Tensor as TensorClass,
  mean,
  noGrad,
  permute,
  sigmoid,
  slice,
  tidy,
  writeInto,
} from '../../engine/index.js';
import { type ResizeOptions, forEachResizedChunk } from './resize.js';
import { videoConfidence } from './scoring.js';
import type { VideoGeometry, VideoProposals } from './types.js';

export interface ProposalOptions extends ResizeOptions {
  /**
   * [H, W] of the soft masks. Default: the resized image at the mask logits' own resolution,
   * round(imageSize · h / inputSize) — no upsampling, so Q×T masks stay small.
   */
  size?: readonly [number, number];
}

/** The default proposal resolution: the unpadded part of the mask logits' grid. */
export function defaultProposalSize(
  maskSize: readonly [number, number],
  geometry: VideoGeometry,
): [number, number] {
  const along = (i: 0 | 1) =>
    Math.max(1, Math.round((geometry.imageSize[i] * maskSize[i]) / geometry.inputSize[i]));
  return [along(0), along(1)];
}

/**
 * Proposals of a tracked video: `predLogits` [T, Q, C+1], `predMasks` [T, Q, h, w] in track
 * order. The soft masks follow the official resize path (padded size → crop → `size`) in chunks.
 */
export function minvisProposals(
  tracked: { readonly predLogits: Tensor; readonly predMasks: Tensor },
  geometry: VideoGeometry,
  options: ProposalOptions = {},
): VideoProposals {
  const { predLogits, predMasks } = tracked;
  if (
    predMasks.ndim !== 4 ||
    predMasks.shape[0] !== predLogits.shape[0] ||
    predMasks.shape[1] !== predLogits.shape[1]
  ) {
    throw new Error(
      `minvisProposals: masks ${predMasks.describe()} do not match logits ${predLogits.describe()}`,
    );
  }
  const [frames, queries, h, w] = predMasks.shape as [number, number, number, number];
  const size = options.size ?? defaultProposalSize([h, w], geometry);
  return noGrad(() =>
    tidy(() => {
      const soft = TensorClass.empty([queries, frames, size[0], size[1]]);
      forEachResizedChunk(
        permute(predMasks, [1, 0, 2, 3]),
        geometry,
        size,
        (chunk, n0, t0) => {
          const [n, t] = chunk.shape as [number, number];
          writeInto(slice(slice(soft, 0, n0, n0 + n), 1, t0, t0 + t), sigmoid(chunk));
        },
        options,
      );
      return { soft, maskness: mean(soft, [1, 2, 3]), confidence: videoConfidence(predLogits) };
    }),
  );
}
