/**
 * Mask logits to a video's frames, as detectron2's sem_seg_postprocess after Mask2Former's
 * upsampling: bilinear (align_corners=False) to the padded input size, crop to the resized
 * image, bilinear to the target size. Done in chunks of masks × frames so the padded-size
 * intermediate stays under a budget however long the video is.
 */
import {
  type Tensor,
  Tensor as TensorClass,
  interpolate,
  noGrad,
  slice,
  tidy,
  writeInto,
} from '../../engine/index.js';
import type { VideoGeometry } from './types.js';

/** Elements of the padded-size intermediate per chunk (128 MiB of f32). */
export const DEFAULT_RESIZE_BUDGET = 1 << 25;

export interface ResizeOptions {
  /** Largest intermediate per chunk, in elements (at least one mask-frame is always done). */
  maxElements?: number;
}

function checkGeometry(g: VideoGeometry): void {
  const [ph, pw] = g.inputSize;
  const [ih, iw] = g.imageSize;
  const ok = (n: number) => Number.isInteger(n) && n >= 1;
  if (![ph, pw, ih, iw, ...g.outputSize].every(ok) || ih > ph || iw > pw) {
    throw new Error(
      `mask geometry: inputSize [${g.inputSize}], imageSize [${g.imageSize}], outputSize [${g.outputSize}] ` +
        '(positive integers, imageSize inside inputSize)',
    );
  }
}

/** One chunk [n, t, h, w] → [n, t, size]: the official three steps, skipping identity resizes. */
function postprocessChunk(x: Tensor, g: VideoGeometry, size: readonly [number, number]): Tensor {
  const [ph, pw] = g.inputSize;
  const [ih, iw] = g.imageSize;
  // A same-size align_corners=False resize samples every pixel at its own centre: an exact copy.
  const padded = x.shape[2] === ph && x.shape[3] === pw ? x : interpolate(x, { size: [ph, pw] });
  const cropped = ih === ph && iw === pw ? padded : slice(slice(padded, 2, 0, ih), 3, 0, iw);
  return ih === size[0] && iw === size[1] ? cropped : interpolate(cropped, { size: [size[0], size[1]] });
}

/**
 * Resizes mask logits [N, T, h, w] (any layout, e.g. a permuted view) to [N, T, size] and hands
 * each chunk to `consume(chunk, n0, t0)` (chunk [n, t, size] is freed after the call).
 */
export function forEachResizedChunk(
  masks: Tensor,
  geometry: VideoGeometry,
  size: readonly [number, number],
  consume: (chunk: Tensor, n0: number, t0: number) => void,
  options: ResizeOptions = {},
): void {
  checkGeometry(geometry);
  if (masks.ndim !== 4 || masks.dtype !== 'f32')
    throw new Error(`resize masks: ${masks.describe()} must be f32 [N, T, h, w]`);
  const [n, t] = masks.shape as [number, number];
  const budget = options.maxElements ?? DEFAULT_RESIZE_BUDGET;
  const perFrame = Math.max(
    geometry.inputSize[0] * geometry.inputSize[1],
    size[0] * size[1],
    masks.shape[2]! * masks.shape[3]!,
  );
  const frameStep = Math.max(1, Math.min(t, Math.floor(budget / perFrame)));
  const maskStep = Math.max(1, Math.min(n, Math.floor(budget / (perFrame * frameStep))));
  noGrad(() => {
    for (let n0 = 0; n0 < n; n0 += maskStep) {
      for (let t0 = 0; t0 < t; t0 += frameStep) {
        tidy(() => {
          const part = slice(slice(masks, 0, n0, n0 + maskStep), 1, t0, t0 + frameStep);
          consume(postprocessChunk(part, geometry, size), n0, t0);
        });
      }
    }
  });
}

/** Mask logits [N, T, h, w] → [N, T, size[0], size[1]] (default: the original video size). */
export function resizeMaskLogits(
  masks: Tensor,
  geometry: VideoGeometry,
  size: readonly [number, number] = geometry.outputSize,
  options: ResizeOptions = {},
): Tensor {
  const out = TensorClass.empty([masks.shape[0]!, masks.shape[1]!, size[0], size[1]]);
  forEachResizedChunk(
    masks,
    geometry,
    size,
    (chunk, n0, t0) => {
      const target = slice(slice(out, 0, n0, n0 + chunk.shape[0]!), 1, t0, t0 + chunk.shape[1]!);
      writeInto(target, chunk);
    },
    options,
  );
  return out;
}
