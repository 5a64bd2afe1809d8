/**
 * Layer and group normalisation written with the engine's elementwise and reduction ops (so the
 * gradient comes for free). Biased variance and eps inside the square root, like torch.
 */
import { type Tensor, add, mean, mul, reshape, rsqrt, square, sub } from '../../engine/index.js';

/** Normalises over the last axis. */
function normalizeLastAxis(x: Tensor, eps: number): Tensor {
  const mu = mean(x, -1, true);
  const centered = sub(x, mu);
  const variance = mean(square(centered), -1, true);
  return mul(centered, rsqrt(add(variance, eps)));
}

/** F.layer_norm over the last axis with an optional affine [C] weight and bias. */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  let y = normalizeLastAxis(x, eps);
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

/** F.group_norm on [B, C, ...]: statistics over each group of C/groups channels and all positions. */
export function groupNorm(
  x: Tensor,
  groups: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor {
  const [batch, channels] = x.shape as [number, number];
  const grouped = reshape(x, [batch, groups, -1]);
  let y = reshape(normalizeLastAxis(grouped, eps), x.shape);
  // The affine parameters are per channel: [C] viewed as [C, 1, ...] to broadcast over positions.
  const perChannel = [channels, ...x.shape.slice(2).map(() => 1)];
  if (weight) y = mul(y, reshape(weight, perChannel));
  if (bias) y = add(y, reshape(bias, perChannel));
  return y;
}
