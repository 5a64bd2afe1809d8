/**
 * WGSL math helpers the elementwise rules call (names start with `pv_`), and their float64
 * CPU references. The WGSL versions avoid the portability traps of built-ins: tanh and exp-based
 * formulas that overflow to NaN at large |x|, pow's undefined negative base, and the lack of erf.
 */

/** WGSL source of the helpers; prepended to any map kernel whose expression mentions `pv_`. */
export const MATH_WGSL = `
var<private> pv_nan_bits: u32 = 0x7fc00000u;
fn pv_nan() -> f32 { return bitcast<f32>(pv_nan_bits); }

// erfc(z) for z >= 0: Abramowitz & Stegun 7.1.26, |error of erf| <= 1.5e-7.
fn pv_erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return p * exp(-z * z);
}

fn pv_erf(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.5) {
    // Taylor series: keeps relative accuracy near 0, where 1 - erfc would cancel.
    let x2 = x * x;
    return 1.1283791670955126 * x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.1 + x2 * (-0.023809523809523808
      + x2 * (0.004629629629629629 + x2 * (-0.0007575757575757576 + x2 * 0.00010683760683760684))))));
  }
  let e = 1.0 - pv_erfc_pos(z);
  return select(e, -e, x < 0.0);
}

// Standard normal CDF; for x < 0 through erfc directly so the far left tail does not cancel.
fn pv_phi(x: f32) -> f32 {
  let z = x * 0.7071067811865476;
  if (z < -0.5) { return 0.5 * pv_erfc_pos(-z); }
  return 0.5 * (1.0 + pv_erf(z));
}

fn pv_gelu(x: f32) -> f32 { return x * pv_phi(x); }

fn pv_gelu_grad(x: f32) -> f32 {
  return pv_phi(x) + x * 0.3989422804014327 * exp(-0.5 * x * x);
}

// exp(-|x|) never overflows, so both branches are finite for every x.
fn pv_sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  let r = 1.0 / (1.0 + e);
  return select(e * r, r, x >= 0.0);
}

fn pv_tanh(x: f32) -> f32 {
  let z = abs(x);
  if (z < 0.55) {
    // Odd Taylor series to x^15: relative accuracy near 0.
    let x2 = x * x;
    return x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.13333333333333333 + x2 * (-0.05396825396825397
      + x2 * (0.021869488536155203 + x2 * (-0.008863235529902197 + x2 * (0.003592128036572481
      + x2 * -0.0014558343870513183)))))));
  }
  let t = exp(-2.0 * z);
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

// PyTorch's pow: negative bases with integral exponents are allowed.
fn pv_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(pv_inf(), 0.0, b > 0.0); }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  if (fract(b) != 0.0) { return pv_nan(); }
  return select(m, -m, fract(b * 0.5) != 0.0);
}

// sin/cos with Cody-Waite reduction by pi/2 and Taylor polynomials on [-pi/4, pi/4]: ~1e-7
// absolute error for |x| up to ~1e4 (WGSL's built-ins only promise 2^-11).
fn pv_sin_poly(r: f32) -> f32 {
  let r2 = r * r;
  return r + r * r2 * (-0.16666666666666666 + r2 * (0.008333333333333333 + r2 * (-0.0001984126984126984 + r2 * 2.7557319223985893e-6)));
}
fn pv_cos_poly(r: f32) -> f32 {
  let r2 = r * r;
  return 1.0 + r2 * (-0.5 + r2 * (0.041666666666666664 + r2 * (-0.001388888888888889 + r2 * (2.48015873015873e-5 - r2 * 2.755731922398589e-7))));
}
fn pv_sincos(x: f32) -> vec2<f32> {
  let k = round(x * 0.6366197723675814);
  // pi/2 in three parts with short mantissas, so k * part is exact for |k| < 2^13.
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let s = pv_sin_poly(r);
  let c = pv_cos_poly(r);
  switch (i32(k) & 3) {
    case 0: { return vec2<f32>(s, c); }
    case 1: { return vec2<f32>(c, -s); }
    case 2: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
fn pv_sin(x: f32) -> f32 { return pv_sincos(x).x; }
fn pv_cos(x: f32) -> f32 { return pv_sincos(x).y; }

var<private> pv_inf_bits: u32 = 0x7f800000u;
fn pv_inf() -> f32 { return bitcast<f32>(pv_inf_bits); }

// d/db a^b = a^b log a, with PyTorch's convention of 0 where a == 0 and b >= 0.
fn pv_pow_grad_exponent(a: f32, b: f32) -> f32 {
  if (a == 0.0 && b >= 0.0) { return 0.0; }
  return pv_pow(a, b) * log(a);
}
`;

/** float64 erf: Taylor series for |x| < 3, continued fraction of erfc beyond. */
export function erf64(x: number): number {
  const z = Math.abs(x);
  if (z < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return x < 0 ? -(1 - erfc64(z)) : 1 - erfc64(z);
}

/** float64 erfc for z >= 3 by Lentz-free backward evaluation of the continued fraction. */
function erfc64(z: number): number {
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (z + f);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
}

export function normalCdf64(x: number): number {
  const z = x / Math.SQRT2;
  if (z < -3) return 0.5 * erfc64(-z);
  return 0.5 * (1 + erf64(z));
}

export function gelu64(x: number): number {
  return x * normalCdf64(x);
}

export function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** PyTorch's pow on float64. */
export function pow64(a: number, b: number): number {
  if (b === 0) return 1;
  if (a < 0 && !Number.isInteger(b)) return NaN;
  return Math.pow(a, b);
}
