import { type CostWeights, PAPER_COST_WEIGHTS } from '../../engine/index.js';

/** λ1, λ2, λ3 of the paper (§4.1). */
export const PAPER_LAMBDA: CostWeights = PAPER_COST_WEIGHTS;

/**
 * Parses `λ1,λ2,λ3` (e.g. `5,5,2`; Table 2's ablations are `5,0,0` = L_ann only and `5,5,0` =
 * + L_cineg). Weights must be finite and non-negative.
 */
export function parseLambda(text: string): CostWeights {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length !== 3 || parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error(`--lambda: "${text}" is not three non-negative numbers λ1,λ2,λ3 (e.g. 5,5,2)`);
  }
  return { ann: values[0]!, cineg: values[1]!, maskness: values[2]! };
}
