/**
 * Full-model gradient-norm clipping on the GPU, without reading anything back (PyTorch
 * clip_grad_norm_ with the L2 norm): the clip factor min(1, max/(norm + 1e-6)) stays in a GPU
 * scalar that the optimizer kernels (or `clipGradNorm`) multiply the gradients by.
 */
import {
  clipFinalizeKernel,
  scaleInPlaceKernel,
  sumSquaresGroups,
  sumSquaresKernel,
  sumSquaresPartialsPerGroup,
  sumSquaresWorkgroup,
} from '../../shaders/optim/clip.js';
import { EngineError } from '../errors.js';
import { contiguous, full } from '../ops/copy.js';
import { useSerialKernels } from '../ops/reduce-policy.js';
import { engine } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { bindDense, useVec4 } from './optimizer-util.js';

export interface GradNorm {
  /** Global L2 norm of all gradients (GPU scalar). */
  totalNorm: Tensor;
  /** min(1, maxNorm / (totalNorm + 1e-6)) (GPU scalar). */
  scale: Tensor;
}

/** Gradients per sum-of-squares dispatch: all the storage bindings but the partials', up to 15. */
function gradientsPerDispatch(): number {
  return Math.max(1, Math.min(15, engine().gpu.limits.maxStorageBuffersPerShaderStage - 1));
}

interface SumSquaresItem {
  g: Tensor;
  items: number;
  groups: number;
}

/**
 * Computes the global gradient norm of `params` (those with a gradient) and the clip factor,
 * leaving the gradients untouched. The sums of squares take one dispatch per
 * `gradientsPerDispatch()` gradients of a kind (vec4-able or not), plus one to finish.
 */
export function gradNormScale(params: readonly Tensor[], maxNorm: number): GradNorm {
  if (!(maxNorm > 0)) throw new EngineError(`gradient clipping: maxNorm ${maxNorm} must be positive`);
  const grads = params.flatMap((p) => (p.grad && p.grad.size > 0 ? [p.grad] : []));
  // PyTorch returns a zero norm when there is nothing to clip.
  if (grads.length === 0) return { totalNorm: full([], 0), scale: full([], 1) };
  const serial = useSerialKernels();
  const perGroup = sumSquaresPartialsPerGroup(serial);
  const item = (g: Tensor): SumSquaresItem => {
    const items = useVec4(g.size) ? g.size / 4 : g.size;
    return { g, items, groups: sumSquaresGroups(items, serial) };
  };
  const vec4 = grads.filter((g) => useVec4(g.size)).map(item);
  const scalar = grads.filter((g) => !useVec4(g.size)).map(item);
  const count = [...vec4, ...scalar].reduce((s, l) => s + l.groups * perGroup, 0);
  const totalNorm = Tensor.empty([], 'f32');
  const scale = Tensor.empty([], 'f32');
  const partials = Tensor.empty([count], 'f32');
  const k = gradientsPerDispatch();
  let offset = 0;
  for (const [list, isVec4] of [
    [vec4, true],
    [scalar, false],
  ] as const) {
    for (let start = 0; start < list.length; start += k) {
      offset += dispatchSumSquares(
        list.slice(start, start + k),
        { k, vec4: isVec4, serial },
        partials,
        offset,
      );
    }
  }
  engine().stream.dispatch(
    clipFinalizeKernel(serial),
    [{ buffer: partials.buffer }, { buffer: totalNorm.buffer }, { buffer: scale.buffer }],
    { count, max_norm: maxNorm },
    [1, 1, 1],
    () => `${grads.length} gradients, ${count} partial sums`,
  );
  partials.dispose();
  return { totalNorm, scale };
}

/** One dispatch over up to k gradients; returns the partial slots it wrote. */
function dispatchSumSquares(
  batch: readonly SumSquaresItem[],
  variant: { k: number; vec4: boolean; serial: boolean },
  partials: Tensor,
  offset: number,
): number {
  const dense = batch.map(({ g }) => contiguous(g));
  const params: Record<string, number> = { out_offset: offset };
  let groups = 0;
  for (let j = 0; j < variant.k; j++) {
    params[`n${j}`] = batch[j]?.items ?? 0;
    groups += batch[j]?.groups ?? 0;
    params[`first${j + 1}`] = groups;
  }
  // Unused bindings repeat the last gradient; they own no workgroups.
  const bindings = Array.from({ length: variant.k }, (_, j) =>
    bindDense(dense[Math.min(j, dense.length - 1)]!),
  );
  engine().stream.dispatch(
    sumSquaresKernel(variant),
    [...bindings, { buffer: partials.buffer }],
    params,
    [groups, 1, 1],
    () =>
      `gradients ${batch.map(({ g }) => g.describe()).join(', ')} (${groups} workgroups of ${sumSquaresWorkgroup(variant.serial)})`,
  );
  batch.forEach(({ g }, j) => {
    if (dense[j] !== g) dense[j]!.dispose();
  });
  return groups * sumSquaresPartialsPerGroup(variant.serial);
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
