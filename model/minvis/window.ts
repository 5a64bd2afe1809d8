/**
 * MinVIS window inference: the image model runs on chunks of `windowSize` frames so its
 * activations stay bounded, and tracks continue across chunk boundaries from the last frame's
 * embeddings. The model is any function from frames to per-frame outputs.
 */
import {
  type Tensor,
  Tensor as TensorClass,
  keep,
  noGrad,
  slice,
  tidyAsync,
  writeInto,
} from '../../engine/index.js';
import { trackQueries } from './track.js';
import type { FrameOutputs, TrackedVideo } from './types.js';

/** The per-frame image model: frames f32 [t, 3, H, W] (normalised, padded) → outputs for t frames. */
export type ImageModelFn = (frames: Tensor) => FrameOutputs | Promise<FrameOutputs>;

/** A video's frames: one tensor [T, 3, H, W], or a loader asked for [start, end) window by window. */
export type FrameSource =
  | Tensor
  | {
      readonly numFrames: number;
      load(start: number, end: number): Tensor | Promise<Tensor>;
    };

export interface WindowInferenceOptions {
  /** Frames per model call (`TEST.WINDOW_SIZE`, 30); Infinity runs the whole video at once. */
  windowSize?: number;
}

export const DEFAULT_WINDOW_SIZE = 30;

interface Outputs {
  logits: Tensor;
  masks: Tensor;
  embeddings: Tensor;
  permutation: Tensor;
}

function allocate(chunk: FrameOutputs, frames: number): Outputs {
  const rest = (t: Tensor) => [frames, ...t.shape.slice(1)];
  return {
    logits: keep(TensorClass.empty(rest(chunk.predLogits))),
    masks: keep(TensorClass.empty(rest(chunk.predMasks))),
    embeddings: keep(TensorClass.empty(rest(chunk.queryEmbeddings))),
    permutation: keep(TensorClass.empty([frames, chunk.predLogits.shape[1]!], 'i32')),
  };
}

/**
 * Runs `model` on windows of frames and tracks its queries over the whole video. Returns tensors
 * the caller owns (they belong to no scope): dispose them, or adopt them with tidy.
 */
export async function runWindowInference(
  model: ImageModelFn,
  frames: FrameSource,
  options: WindowInferenceOptions = {},
): Promise<TrackedVideo> {
  const windowSize = options.windowSize ?? DEFAULT_WINDOW_SIZE;
  if (!(windowSize >= 1)) throw new Error(`runWindowInference: windowSize ${windowSize} must be ≥ 1`);
  const total = frames instanceof TensorClass ? frames.shape[0]! : frames.numFrames;
  if (!(total >= 1)) throw new Error('runWindowInference: the video has no frames');
  const step = Math.min(total, windowSize);

  // A holder, so a window that fails after allocating still lets the catch free the outputs.
  const held: { out: Outputs | null } = { out: null };
  let state: Tensor | null = null;
  try {
    for (let start = 0; start < total; start += step) {
      const end = Math.min(total, start + step);
      const previous: Tensor | null = state;
      state = await tidyAsync(async () => {
        const input =
          frames instanceof TensorClass ? slice(frames, 0, start, end) : await frames.load(start, end);
        // A synchronous model runs without recording; an async one should use noGrad itself.
        const chunk = await noGrad(() => model(input));
        if (chunk.predLogits.shape[0] !== end - start) {
          throw new Error(
            `runWindowInference: the model gave ${chunk.predLogits.shape[0]} frames for ${end - start}`,
          );
        }
        const [tracked] = trackQueries([chunk], previous === null ? undefined : [previous]);
        const target = (held.out ??= allocate(chunk, total));
        writeInto(slice(target.logits, 0, start, end), tracked!.predLogits);
        writeInto(slice(target.masks, 0, start, end), tracked!.predMasks);
        writeInto(slice(target.embeddings, 0, start, end), tracked!.queryEmbeddings);
        writeInto(slice(target.permutation, 0, start, end), tracked!.permutation);
        return keep(tracked!.last);
      });
      previous?.dispose();
    }
  } catch (err) {
    state?.dispose();
    if (held.out !== null) for (const t of Object.values(held.out)) t.dispose();
    throw err;
  }
  state?.dispose();
  const out = held.out;
  if (out === null) throw new Error('runWindowInference: no window ran');
  return {
    predLogits: out.logits,
    predMasks: out.masks,
    queryEmbeddings: out.embeddings,
    permutation: out.permutation,
  };
}
