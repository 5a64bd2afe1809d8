/**
 * Full-model gradient-norm clipping on the GPU, without reading anything back (PyTorch
 * clip_grad_norm_ with the L2 norm): the clip factor min(1, max/(norm + 1e-6)) stays in a GPU
 * scalar that the optimizer kernels (or `clipGradNorm`) multiply the gradients by.
 */
import {
  SUMSQ_WG,
  clipFinalizeKernel,
  scaleInPlaceKernel,
  sumSquaresGroups,
  sumSquaresKernel,
} from '../../shaders/optim/clip.js';
import { EngineError } from '../errors.js';
import { contiguous, full } from '../ops/copy.js';
import { engine } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { bindDense, useVec4 } from './optimizer-util.js';

export interface GradNorm {
  /** Global L2 norm of all gradients (GPU scalar). */
  totalNorm: Tensor;
  /** min(1, maxNorm / (totalNorm + 1e-6)) (GPU scalar). */
  scale: Tensor;
}

/**
 * Computes the global gradient norm of `params` (those with a gradient) and the clip factor,
 * leaving the gradients untouched. 1 + (number of gradients) dispatches.
 */
export function gradNormScale(params: readonly Tensor[], maxNorm: number): GradNorm {
  if (!(maxNorm > 0)) throw new EngineError(`gradient clipping: maxNorm ${maxNorm} must be positive`);
  const grads = params.flatMap((p) => (p.grad && p.grad.size > 0 ? [p.grad] : []));
  const layout = grads.map((g) => {
    const items = useVec4(g.size) ? g.size / 4 : g.size;
    return { g, items, groups: sumSquaresGroups(items) };
  });
  const count = layout.reduce((s, l) => s + l.groups, 0);
  // PyTorch returns a zero norm when there is nothing to clip.
  if (count === 0) return { totalNorm: full([], 0), scale: full([], 1) };
  const stream = engine().stream;
  const totalNorm = Tensor.empty([], 'f32');
  const scale = Tensor.empty([], 'f32');
  const partials = Tensor.empty([count], 'f32');
  let offset = 0;
  for (const { g, items, groups } of layout) {
    const dense = contiguous(g);
    stream.dispatch(
      sumSquaresKernel(useVec4(g.size)),
      [bindDense(dense), { buffer: partials.buffer }],
      { n: items, out_offset: offset },
      [groups, 1, 1],
      () => `gradient ${g.describe()} (${groups} workgroups of ${SUMSQ_WG})`,
    );
    if (dense !== g) dense.dispose();
    offset += groups;
  }
  stream.dispatch(
    clipFinalizeKernel,
    [{ buffer: partials.buffer }, { buffer: totalNorm.buffer }, { buffer: scale.buffer }],
    { count, max_norm: maxNorm },
    [1, 1, 1],
    () => `${grads.length} gradients, ${count} partial sums`,
  );
  partials.dispose();
  return { totalNorm, scale };
}

/** Multiplies every gradient by the GPU scalar `scale`, in place. */
export function scaleGradsInPlace(params: readonly Tensor[], scale: Tensor): void {
  const stream = engine().stream;
  for (const p of params) {
    const g = p.grad;
    if (!g || g.size === 0) continue;
    if (!g.isDense()) throw new EngineError(`scaleGradsInPlace: gradient of ${p.describe()} is not dense`);
    const vec4 = useVec4(g.size);
    const n = vec4 ? g.size / 4 : g.size;
    stream.dispatch1D(scaleInPlaceKernel(vec4), [bindDense(g), { buffer: scale.buffer }], { n }, n, () =>
      g.describe(),
    );
  }
}

/**
 * PyTorch's clip_grad_norm_(params, maxNorm): scales the gradients in place by
 * min(1, maxNorm/(norm + 1e-6)) and returns the total norm (a GPU scalar). The optimizers'
 * `maxGradNorm` option does the same but fuses the scaling into their update kernels.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  const { totalNorm, scale } = gradNormScale(params, maxNorm);
  scaleGradsInPlace(params, scale);
  scale.dispose();
  return totalNorm;
}
