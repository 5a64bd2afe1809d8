/** Golden values produced by PyTorch (tools/golden/<family>.py), committed as JSON fixtures. */
export interface GoldenTensor {
  data: number[];
  shape: number[];
  dtype?: 'f32' | 'i32';
}

export interface GoldenCase {
  name: string;
  params: Record<string, unknown>;
  inputs: GoldenTensor[];
  output: GoldenTensor;
  cotangent?: number[];
  grads?: (number[] | null)[];
}

export interface GoldenFile {
  generator: string;
  torch: string;
  cases: GoldenCase[];
}

export function goldenCase(file: GoldenFile, name: string): GoldenCase {
  const c = file.cases.find((x) => x.name === name);
  if (!c) throw new Error(`golden case '${name}' missing from ${file.generator}'s output`);
  return c;
}

import { type Tensor, backward, tensor, tidyAsync } from '../../engine/index.js';
import { expectClose } from './engine.js';

/** Runs `op` on the case's inputs and compares output and gradients with PyTorch's. */
export async function checkGolden(
  c: GoldenCase,
  op: (...xs: Tensor[]) => Tensor,
  tol: { atol?: number; rtol?: number } = { atol: 1e-4, rtol: 1e-3 },
): Promise<void> {
  await tidyAsync(async () => {
    const xs = c.inputs.map((i) => {
      const t = tensor(i.data, i.shape, i.dtype ?? 'f32');
      if ((i.dtype ?? 'f32') === 'f32' && c.grads) t.requiresGrad = true;
      return t;
    });
    const out = op(...xs);
    expectClose(await out.data(), c.output.data, tol);
    if (!c.grads || !c.cotangent) return;
    backward(out, tensor(c.cotangent, out.shape));
    for (let k = 0; k < xs.length; k++) {
      const expected = c.grads[k];
      if (!expected) continue;
      const g = xs[k]!.grad;
      if (!g) throw new Error(`${c.name}: input ${k} got no gradient`);
      expectClose(await g.data(), expected, tol);
    }
  });
}
