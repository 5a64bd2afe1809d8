/**
 * Synthetic per-frame image-model outputs for the MinVIS tests: a base set of Q queries, each
 * frame holding them in a random order (shuffle[t][row] = base query) plus a little noise.
 */
import { type Tensor, cast, indexSelect, reshape, tensor } from '../../engine/index.js';
import type { FrameOutputs } from '../../model/minvis/index.js';
import { rng } from '../util/engine.js';

export interface ShuffledVideo {
  frames: number;
  queries: number;
  /** shuffle[t][row]: the base query frame t holds in that row. */
  shuffle: number[][];
  logits: Float32Array;
  masks: Float32Array;
  embeddings: Float32Array;
  classes: number;
  maskSize: [number, number];
  dim: number;
}

export function randomPermutation(n: number, random: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Base rows (row q of size `width`) placed per frame by the shuffle, plus noise. */
function shuffled(
  base: number[],
  width: number,
  shuffle: number[][],
  noise: number,
  random: () => number,
): Float32Array {
  const q = shuffle[0]!.length;
  const out = new Float32Array(shuffle.length * q * width);
  shuffle.forEach((order, t) =>
    order.forEach((b, row) => {
      for (let k = 0; k < width; k++)
        out[(t * q + row) * width + k] = base[b * width + k]! + noise * gaussian(random);
    }),
  );
  return out;
}

export function shuffledVideo(
  seed: number,
  {
    frames,
    queries,
    classes = 3,
    dim = 8,
    maskSize = [4, 4] as [number, number],
    noise = 0.05,
  }: {
    frames: number;
    queries: number;
    classes?: number;
    dim?: number;
    maskSize?: [number, number];
    noise?: number;
  },
): ShuffledVideo {
  const random = rng(seed);
  const base = (n: number, scale: number) => Array.from({ length: n }, () => scale * gaussian(random));
  const shuffle = Array.from({ length: frames }, () => randomPermutation(queries, random));
  const pixels = maskSize[0] * maskSize[1];
  return {
    frames,
    queries,
    shuffle,
    classes,
    maskSize,
    dim,
    embeddings: shuffled(base(queries * dim, 1), dim, shuffle, noise, random),
    logits: shuffled(base(queries * (classes + 1), 3), classes + 1, shuffle, noise, random),
    masks: shuffled(base(queries * pixels, 4), pixels, shuffle, noise, random),
  };
}

export function toOutputs(v: {
  frames: number;
  queries: number;
  classes: number;
  dim: number;
  maskSize: readonly [number, number];
  logits: Float32Array;
  masks: Float32Array;
  embeddings: Float32Array;
}): FrameOutputs {
  return {
    predLogits: tensor(v.logits, [v.frames, v.queries, v.classes + 1]),
    predMasks: tensor(v.masks, [v.frames, v.queries, v.maskSize[0], v.maskSize[1]]),
    queryEmbeddings: tensor(v.embeddings, [v.frames, v.queries, v.dim]),
  };
}

/** Frames [T, 1, 1, 1] whose only value is the frame index: what the fake model reads. */
export function indexFrames(frames: number): Tensor {
  return tensor(
    Float32Array.from({ length: frames }, (_, t) => t),
    [frames, 1, 1, 1],
  );
}

/**
 * A stand-in image model: for a window of index frames it returns the stored outputs of those
 * frames (selected on the GPU by the indices the frames hold), and logs each call's length.
 */
export function fakeModel(all: FrameOutputs, calls: number[]): (frames: Tensor) => FrameOutputs {
  return (frames) => {
    calls.push(frames.shape[0]!);
    const index = cast(reshape(frames, [frames.shape[0]!]), 'i32');
    return {
      predLogits: indexSelect(all.predLogits, 0, index),
      predMasks: indexSelect(all.predMasks, 0, index),
      queryEmbeddings: indexSelect(all.queryEmbeddings, 0, index),
    };
  };
}

/** Row-major [T, Q, width] of `x` with rows reordered per frame by perm [T, Q]. */
export function permuteCpu(
  x: ArrayLike<number>,
  perm: ArrayLike<number>,
  frames: number,
  queries: number,
): Float32Array {
  const width = x.length / (frames * queries);
  const out = new Float32Array(x.length);
  for (let t = 0; t < frames; t++) {
    for (let q = 0; q < queries; q++) {
      const src = (t * queries + perm[t * queries + q]!) * width;
      out.set(Array.prototype.slice.call(x, src, src + width) as number[], (t * queries + q) * width);
    }
  }
  return out;
}

/** PyTorch bilinear resize (align_corners=False) of one row-major h × w plane, in float64. */
export function bilinearCpu(
  x: ArrayLike<number>,
  h: number,
  w: number,
  oh: number,
  ow: number,
): Float64Array {
  const axis = (inSize: number, outSize: number, i: number): [number, number, number] => {
    const src = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return [i0, i1, src - i0];
  };
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const [y0, y1, ly] = axis(h, oh, y);
    for (let xo = 0; xo < ow; xo++) {
      const [x0, x1, lx] = axis(w, ow, xo);
      const top = (1 - lx) * x[y0 * w + x0]! + lx * x[y0 * w + x1]!;
      const bottom = (1 - lx) * x[y1 * w + x0]! + lx * x[y1 * w + x1]!;
      out[y * ow + xo] = (1 - ly) * top + ly * bottom;
    }
  }
  return out;
}

/** sem_seg_postprocess of one plane: resize to the padded size, crop the image, resize to `size`. */
export function postprocessCpu(
  x: ArrayLike<number>,
  maskSize: readonly [number, number],
  geometry: { inputSize: readonly [number, number]; imageSize: readonly [number, number] },
  size: readonly [number, number],
): Float64Array {
  const [ph, pw] = geometry.inputSize;
  const [ih, iw] = geometry.imageSize;
  const padded = bilinearCpu(x, maskSize[0], maskSize[1], ph, pw);
  const crop = new Float64Array(ih * iw);
  for (let y = 0; y < ih; y++) for (let xo = 0; xo < iw; xo++) crop[y * iw + xo] = padded[y * pw + xo]!;
  return bilinearCpu(crop, ih, iw, size[0], size[1]);
}
