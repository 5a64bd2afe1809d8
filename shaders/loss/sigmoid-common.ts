/**
 * Per-element sigmoid losses shared by the fused mask-loss kernels, in WGSL and as float64 CPU
 * references. Two modes:
 *  - 'bce':   ℓ = max(x,0) − x·t + log(1 + e^−|x|)          (BCE with logits, stable for any x)
 *  - 'focal': ℓ = α_t · bce · (1 − p_t)^γ, p = σ(x), p_t = p·t + (1−p)(1−t),
 *             α_t = α·t + (1−α)(1−t) when α ≥ 0, else 1     (sigmoid focal loss)
 * The WGSL functions read `params.alpha`, `params.gamma`, `params.use_alpha` in focal mode.
 */
import type { ParamField } from '../../engine/kernel.js';

export type SigmoidLossMode = 'bce' | 'focal';

export const FOCAL_PARAMS: ParamField[] = [
  { name: 'alpha', type: 'f32' },
  { name: 'gamma', type: 'f32' },
  { name: 'use_alpha', type: 'u32' },
];

/**
 * WGSL: `sigmoid_of(x)`, `elem_loss(x, t) -> vec2(loss, σ(x))` and
 * `elem_grad(x, t) -> vec2(∂ℓ/∂x, ∂ℓ/∂t)` for the mode.
 */
export function sigmoidLossWgsl(mode: SigmoidLossMode): string {
  const common = `
fn sigmoid_of(x: f32) -> f32 {
  let e = exp(-abs(x));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, x >= 0.0);
}
// log(1 + z) for 0 <= z <= 1, accurate when z is tiny (1 + z rounds to 1).
fn log1p_small(z: f32) -> f32 {
  let u = 1.0 + z;
  if (u == 1.0) { return z; }
  return log(u) * (z / (u - 1.0));
}
fn bce_logits(x: f32, t: f32) -> f32 {
  return max(x, 0.0) - x * t + log1p_small(exp(-abs(x)));
}`;
  if (mode === 'bce') {
    return `${common}
fn elem_loss(x: f32, t: f32) -> vec2<f32> {
  return vec2<f32>(bce_logits(x, t), sigmoid_of(x));
}
fn elem_grad(x: f32, t: f32) -> vec2<f32> {
  return vec2<f32>(sigmoid_of(x) - t, -x);
}
`;
  }
  return `${common}
// q^g with 0^0 = 1 and 0^g = 0 (pow(0, g) is undefined in WGSL).
fn pow_safe(q: f32, g: f32) -> f32 {
  if (q <= 0.0) { return select(0.0, 1.0, g == 0.0); }
  return pow(q, g);
}
fn alpha_t(t: f32) -> f32 {
  if (params.use_alpha == 0u) { return 1.0; }
  return params.alpha * t + (1.0 - params.alpha) * (1.0 - t);
}
fn elem_loss(x: f32, t: f32) -> vec2<f32> {
  let p = sigmoid_of(x);
  let q = 1.0 - (p * t + (1.0 - p) * (1.0 - t));
  return vec2<f32>(alpha_t(t) * bce_logits(x, t) * pow_safe(q, params.gamma), p);
}
fn elem_grad(x: f32, t: f32) -> vec2<f32> {
  let p = sigmoid_of(x);
  let ce = bce_logits(x, t);
  let q = 1.0 - (p * t + (1.0 - p) * (1.0 - t));
  let qg = pow_safe(q, params.gamma);
  let dqg = params.gamma * pow_safe(q, params.gamma - 1.0); // d(q^γ)/dq
  let a = alpha_t(t);
  let da = select(0.0, 2.0 * params.alpha - 1.0, params.use_alpha != 0u);
  // dq/dx = −(2t − 1)·p(1 − p); dq/dt = 1 − 2p; dce/dx = p − t; dce/dt = −x.
  let dx = a * ((p - t) * qg - ce * dqg * (2.0 * t - 1.0) * p * (1.0 - p));
  let dt = da * ce * qg + a * (-x * qg + ce * dqg * (1.0 - 2.0 * p));
  return vec2<f32>(dx, dt);
}
`;
}

export interface FocalOptions {
  alpha: number;
  gamma: number;
}

export function sigmoidReference(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function bceWithLogitsElementReference(x: number, t: number): number {
  return Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
}

/** Mask2Former / torchvision sigmoid_focal_loss per element (α < 0 disables the α weighting). */
export function focalElementReference(x: number, t: number, { alpha, gamma }: FocalOptions): number {
  const p = sigmoidReference(x);
  const pt = p * t + (1 - p) * (1 - t);
  let loss = bceWithLogitsElementReference(x, t) * Math.pow(1 - pt, gamma);
  if (alpha >= 0) loss *= alpha * t + (1 - alpha) * (1 - t);
  return loss;
}
