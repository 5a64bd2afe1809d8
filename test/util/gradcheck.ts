/**
 * Gradient checks. The reference of an op is a float64 CPU function; its vector-Jacobian
 * product is obtained by central finite differences in float64, and the GPU backward (seeded
 * with the same cotangent) must match it.
 */
import { type Tensor, backward, tensor, tidyAsync } from '../../engine/index.js';
import { expectClose, randomArray, rng } from './engine.js';

export type Reference = (inputs: Float64Array[]) => ArrayLike<number>;

/** d(sum(cotangent * ref(inputs)))/d(inputs[k]) by central differences, for every differentiable k. */
export function numericalVjp(
  ref: Reference,
  inputs: readonly ArrayLike<number>[],
  cotangent: ArrayLike<number>,
  differentiable: readonly boolean[],
  eps = 1e-6,
): Float64Array[] {
  const xs = inputs.map((x) => Float64Array.from(x));
  const objective = () => {
    const y = ref(xs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += cotangent[i]! * y[i]!;
    return s;
  };
  return xs.map((x, k) => {
    const g = new Float64Array(x.length);
    if (!differentiable[k]) return g;
    for (let i = 0; i < x.length; i++) {
      const keep = x[i]!;
      x[i] = keep + eps;
      const up = objective();
      x[i] = keep - eps;
      const down = objective();
      x[i] = keep;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

export interface OpCase {
  /** Input data and shapes; `grad: false` for index/label inputs. */
  inputs: {
    data: readonly number[];
    shape: readonly number[];
    dtype?: 'f32' | 'i32' | 'u32';
    grad?: boolean;
  }[];
  op: (...xs: Tensor[]) => Tensor;
  ref: Reference;
  forwardTol?: { atol?: number; rtol?: number };
  gradTol?: { atol?: number; rtol?: number };
  seed?: number;
  /** Skip the gradient check (forward-only ops). */
  noGrad?: boolean;
}

/** Runs the op on the GPU and checks forward against the reference and backward against finite differences. */
export async function checkOp(c: OpCase): Promise<void> {
  await tidyAsync(async () => {
    const xs = c.inputs.map((inp) => {
      const t = tensor(inp.data, inp.shape, inp.dtype ?? 'f32');
      if (inp.grad !== false && (inp.dtype ?? 'f32') === 'f32' && !c.noGrad) t.requiresGrad = true;
      return t;
    });
    const out = c.op(...xs);
    const expected = c.ref(c.inputs.map((i) => Float64Array.from(i.data)));
    expectClose(await out.data(), expected, c.forwardTol);
    if (c.noGrad) return;
    const random = rng(c.seed ?? 7);
    const cot = randomArray(out.size, random);
    backward(out, tensor(cot, out.shape));
    const numeric = numericalVjp(
      c.ref,
      c.inputs.map((i) => i.data),
      cot,
      xs.map((x) => x.requiresGrad),
    );
    for (let k = 0; k < xs.length; k++) {
      if (!xs[k]!.requiresGrad) continue;
      const g = xs[k]!.grad;
      if (!g) throw new Error(`input ${k} got no gradient`);
      expectClose(await g.data(), numeric[k]!, c.gradTol ?? { atol: 1e-3, rtol: 1e-2 });
      g.dispose();
      xs[k]!.grad = null;
    }
  });
}
