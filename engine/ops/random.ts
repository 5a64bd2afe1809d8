/**
 * Seeded, reproducible randomness from a counter-based generator (Philox4x32-10): the values
 * are a pure function of (seed, stream, element index), independent of the device, the batch
 * and the order of dispatches. Use `stream` to draw independent tensors from one seed (e.g. one
 * stream per layer and step). Dropout needs no saved mask: the backward regenerates it.
 */
import { seedKey } from '../../shaders/random/philox.js';
import {
  type RandomKind,
  dropoutScale,
  dropoutThreshold,
  randomKernel,
  randomThreads,
} from '../../shaders/random/random.js';
import { recordOp } from '../autograd.js';
import type { DType } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous, ones } from './copy.js';
import { mul } from './elementwise.js';
import { reshape } from './view.js';

export interface RandomOptions {
  /** Integer in [0, 2^53). */
  seed: number;
  /** Independent sub-stream of the seed, an integer in [0, 2^32); default 0. */
  stream?: number;
}

function keyValues(op: string, options: RandomOptions): { key0: number; key1: number; stream: number } {
  const { seed, stream = 0 } = options;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ShapeError(`${op}: seed ${seed} must be an integer in [0, 2^53)`);
  if (!Number.isInteger(stream) || stream < 0 || stream > 0xffffffff) {
    throw new ShapeError(`${op}: stream ${stream} must be an integer in [0, 2^32)`);
  }
  const [key0, key1] = seedKey(seed);
  return { key0, key1, stream };
}

function generate(
  kind: RandomKind,
  shape: Shape,
  dtype: DType,
  options: RandomOptions,
  extra: Record<string, number>,
  input?: Tensor,
): Tensor {
  const out = Tensor.empty(shape, dtype);
  const n = out.size;
  if (n === 0) return out;
  const buffers = input ? [{ buffer: input.buffer }, { buffer: out.buffer }] : [{ buffer: out.buffer }];
  engine().stream.dispatch1D(
    randomKernel(kind),
    buffers,
    { n, ...keyValues(`random ${kind}`, options), ...extra },
    randomThreads(n),
    () => `random ${kind} [${shape}] seed ${options.seed} stream ${options.stream ?? 0}`,
  );
  return out;
}

/** Raw u32 words of the stream (the source of every other random op). */
export function randomBits(shape: Shape, options: RandomOptions): Tensor {
  return generate('bits', shape, 'u32', options, {});
}

/** Uniform f32 in [low, high) (default [0, 1): multiples of 2^-24). */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number }): Tensor {
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  return generate('uniform', shape, 'f32', options, { low, range: high - low });
}

/** Normal f32 (Box-Muller) with the given mean and standard deviation (default 0, 1). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number }): Tensor {
  return generate('normal', shape, 'f32', options, { mean: options.mean ?? 0, stddev: options.std ?? 1 });
}

/** Integers uniform in [low, high) as i32. */
export function randint(shape: Shape, low: number, high: number, options: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 0xffffffff) {
    throw new ShapeError(`randint: range [${low}, ${high}) must be non-empty integers`);
  }
  if (low < -0x80000000 || high - 1 > 0x7fffffff)
    throw new ShapeError(`randint: [${low}, ${high}) exceeds i32`);
  return generate('randint', shape, 'i32', options, { low, range: high - low });
}

export interface DropoutOptions extends RandomOptions {
  /** When false, dropout is the identity (default true, like F.dropout). */
  training?: boolean;
}

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new ShapeError(`${op}: probability ${p} must be in [0, 1]`);
}

/** x with each element zeroed with probability p, survivors scaled by 1/(1-p); no autograd. */
function dropoutRaw(x: Tensor, p: number, options: RandomOptions): Tensor {
  const dense = contiguous(x);
  const out = generate(
    'dropout',
    x.shape,
    'f32',
    options,
    {
      threshold: dropoutThreshold(p),
      scale: dropoutScale(p),
    },
    dense,
  );
  if (dense !== x) dense.dispose();
  return out;
}

/**
 * F.dropout: zeroes each element with probability p and scales the rest by 1/(1-p). The mask
 * is a function of (seed, stream, element index) and the backward regenerates it.
 */
export function dropout(x: Tensor, p: number, options: DropoutOptions): Tensor {
  checkProbability('dropout', p);
  if (x.dtype !== 'f32') throw new ShapeError(`dropout: ${x.describe()} must be f32`);
  if (options.training === false || p === 0) return x;
  keyValues('dropout', options);
  const out = dropoutRaw(x, p, options);
  return recordOp(out, 'dropout', [x], (g) => [dropoutRaw(g, p, options)]);
}

/**
 * timm's drop_path (stochastic depth): each sample (index along the first dimension) is zeroed
 * with probability p and kept samples are scaled by 1/(1-p).
 */
export function dropPath(x: Tensor, p: number, options: DropoutOptions): Tensor {
  checkProbability('drop_path', p);
  if (x.dtype !== 'f32' || x.ndim === 0)
    throw new ShapeError(`drop_path: ${x.describe()} must be f32 with a batch dim`);
  if (options.training === false || p === 0) return x;
  keyValues('drop_path', options);
  const batch = x.shape[0]!;
  const one = ones([batch]);
  const keep = dropoutRaw(one, p, options);
  one.dispose();
  const perSample = reshape(keep, [batch, ...x.shape.slice(1).map(() => 1)]);
  keep.dispose();
  const out = mul(x, perSample);
  // The product's backward reads the mask; without a tape entry it can go now.
  if (!out.gradNode) perSample.dispose();
  return out;
}
