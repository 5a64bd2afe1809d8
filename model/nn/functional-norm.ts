/**
 * Layer and group normalisation for the nn modules: the engine's fused kernels (one forward
 * dispatch saving mean/rstd, fused backward). Biased variance and eps inside the square root,
 * like torch.
 */
import { type Tensor, groupNorm as fusedGroupNorm, layerNorm as fusedLayerNorm } from '../../engine/index.js';

/** F.layer_norm over the last axis with an optional affine [C] weight and bias. */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  return fusedLayerNorm(x, weight, bias, eps);
}

/** F.group_norm on [B, C, ...]: statistics over each group of C/groups channels and all positions. */
export function groupNorm(
  x: Tensor,
  groups: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  return fusedGroupNorm(x, groups, weight, bias, eps);
}
