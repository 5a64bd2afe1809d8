/**
 * The official initialisers of the pixel decoder (M2F_SEMANTICS.md §3.4), seeded so the same
 * seed always gives the same weights. Used for training from scratch; a checkpoint overwrites
 * them.
 */
import { type Shape, type Tensor, full, rand, randn, tidy, writeInto } from '../../../engine/index.js';

/** Fan-in and fan-out of a Linear [out, in] or Conv [out, in, kh, kw] weight, as torch counts them. */
function fans(shape: Shape): [number, number] {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1]! * receptive, shape[0]! * receptive];
}

/** nn.init.xavier_uniform_ (gain 1): U(±√(6/(fan_in + fan_out))). */
export function xavierUniform(shape: Shape, seed: number): Tensor {
  const [fanIn, fanOut] = fans(shape);
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return rand(shape, { seed, low: -bound, high: bound });
}

/** detectron2's c2_xavier_fill weight: kaiming_uniform_(a=1), i.e. U(±√(3/fan_in)). */
export function c2XavierUniform(shape: Shape, seed: number): Tensor {
  const bound = Math.sqrt(3 / fans(shape)[0]);
  return rand(shape, { seed, low: -bound, high: bound });
}

/** nn.init.normal_ (mean 0, std 1). */
export function standardNormal(shape: Shape, seed: number): Tensor {
  return randn(shape, { seed });
}

/**
 * MSDeformAttn's sampling_offsets bias: for head h (θ = 2πh/nH), level l and point p the
 * offset (p+1)·(cos θ, sin θ)/max(|cos θ|, |sin θ|), flattened as ((h·L + l)·P + p)·2 + c.
 */
export function samplingOffsetGrid(heads: number, levels: number, points: number): Float32Array {
  const out = new Float32Array(heads * levels * points * 2);
  for (let h = 0; h < heads; h++) {
    const theta = (2 * Math.PI * h) / heads;
    const [cx, cy] = [Math.cos(theta), Math.sin(theta)];
    const norm = Math.max(Math.abs(cx), Math.abs(cy));
    for (let l = 0; l < levels; l++) {
      for (let p = 0; p < points; p++) {
        const i = ((h * levels + l) * points + p) * 2;
        out[i] = ((p + 1) * cx) / norm;
        out[i + 1] = ((p + 1) * cy) / norm;
      }
    }
  }
  return out;
}

/** Overwrites a parameter in place with a freshly made value (the parameter keeps its identity). */
export function assign(target: Tensor, make: (shape: Shape) => Tensor): void {
  tidy(() => writeInto(target, make(target.shape)));
}

/** Sets every element of a parameter to `value`. */
export function assignConstant(target: Tensor, value: number): void {
  assign(target, (shape) => full(shape, value));
}
