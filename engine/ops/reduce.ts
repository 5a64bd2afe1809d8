import { EngineError } from '../errors.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

// Placeholder until the reductions land (owned by the reductions work): sums a broadcast
// gradient back to `shape`.
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  throw new EngineError('sumToShape: reductions are not implemented yet');
}
