/**
 * Launching a map kernel on tensors: inputs are viewed at the output shape (stride 0 where
 * broadcast), size-1 dims are dropped and adjacent dims merged where every input allows it, and
 * the cheapest layout is picked: vec4 or dense when every input is one contiguous run, strided
 * otherwise. Nothing is copied.
 */
import { MATH_WGSL } from '../../shaders/elementwise/math.js';
import { type MapLayout, type MapSpec, mapKernel } from '../../shaders/elementwise/map.js';
import { MAX_RANK } from '../../shaders/core/strided.js';
import type { DType } from '../dtype.js';
import { EngineError, ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { type Shape, formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Strides of `t` viewed at `outShape` under NumPy broadcasting (0 on broadcast dims). */
export function broadcastStrides(t: Tensor, outShape: Shape): number[] {
  const lead = outShape.length - t.ndim;
  if (lead < 0) throw new ShapeError(`broadcast ${t.describe()} to ${formatShape(outShape)}: too many dims`);
  return outShape.map((d, i) => {
    if (i < lead) return 0;
    const own = t.shape[i - lead]!;
    if (own === d) return own === 1 ? 0 : t.strides[i - lead]!;
    if (own === 1) return 0;
    throw new ShapeError(`broadcast ${t.describe()} to ${formatShape(outShape)}`);
  });
}

export interface MapPlan {
  layout: MapLayout;
  dims: number[];
  strides: number[][];
}

/** Drops size-1 dims and merges dims that are contiguous with each other in every input. */
export function planMap(outShape: Shape, inputStrides: readonly (readonly number[])[]): MapPlan {
  const dims: number[] = [];
  const strides: number[][] = inputStrides.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    const size = outShape[d]!;
    if (size === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && inputStrides.every((s, k) => strides[k]![last] === s[d]! * size);
    if (mergeable) {
      dims[last] = dims[last]! * size;
      inputStrides.forEach((s, k) => (strides[k]![last] = s[d]!));
    } else {
      dims.push(size);
      inputStrides.forEach((s, k) => strides[k]!.push(s[d]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(1));
  }
  const dense = dims.length === 1 && strides.every((s) => s[0] === 1);
  if (dense) return { layout: { kind: 'dense' }, dims, strides };
  if (dims.length > MAX_RANK)
    throw new EngineError(`elementwise: rank ${dims.length} after merging exceeds ${MAX_RANK}`);
  return { layout: { kind: 'strided', rank: dims.length }, dims, strides };
}

/**
 * Runs `spec` over `inputs` (already checked to broadcast to `outShape`), with `scalars` as the
 * uniform values s0, s1, .... Returns a new dense tensor of `outShape` and dtype `spec.out`.
 */
export function launchMap(
  spec: MapSpec,
  inputs: readonly Tensor[],
  scalars: readonly number[],
  outShape: Shape,
): Tensor {
  const out = Tensor.empty(outShape, spec.out);
  const n = sizeOf(outShape);
  if (n === 0) return out;
  const full: MapSpec = spec.expr.includes('pv_') ? { ...spec, helpers: MATH_WGSL } : spec;
  const plan = planMap(
    outShape,
    inputs.map((t) => broadcastStrides(t, outShape)),
  );
  const params: Record<string, number> = {};
  scalars.forEach((v, i) => (params[`s${i}`] = v));
  let layout = plan.layout;
  let threads = n;
  if (layout.kind === 'dense' && n % 4 === 0 && inputs.every((t) => t.offset % 4 === 0)) {
    layout = { kind: 'vec4' };
    threads = n / 4;
  }
  params.n = threads;
  inputs.forEach((t, k) => {
    params[`x${k}_offset`] = layout.kind === 'vec4' ? t.offset / 4 : t.offset;
    if (layout.kind === 'strided') plan.strides[k]!.forEach((s, d) => (params[`x${k}_stride${d}`] = s));
  });
  if (layout.kind === 'strided') plan.dims.forEach((d, i) => (params[`out_dim${i}`] = d));
  engine().stream.dispatch1D(
    mapKernel(full, layout),
    [...inputs.map((t) => ({ buffer: t.buffer })), { buffer: out.buffer }],
    params,
    threads,
    () => `${spec.name}(${inputs.map((t) => t.describe()).join(', ')}) -> ${formatShape(outShape)}`,
  );
  return out;
}

/** Checks that a number can be a uniform of `dtype`. */
export function scalarFor(value: number, dtype: DType, op: string): number {
  if (dtype !== 'f32' && !Number.isInteger(value)) {
    throw new EngineError(`${op}: scalar ${value} is not an integer but the tensor is ${dtype}`);
  }
  if (dtype === 'u32' && value < 0)
    throw new EngineError(`${op}: scalar ${value} is negative but the tensor is u32`);
  return value;
}
