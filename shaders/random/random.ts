/**
 * Random tensors and dropout from the Philox stream (see philox.ts). Invocation t owns elements
 * 4t..4t+3 and the four words of philox((t, stream, 0, 0), key). Conversions stay exact where
 * they can, so GPU and CPU agree bit for bit:
 * - uniform: the top 24 bits of a word times 2^-24, in [0, 1);
 * - randint: low + mulhi(word, high - low) (Lemire's multiply-shift, no division);
 * - dropout: keep iff top-24-bits >= threshold (an integer), so the mask is exact; kept values
 *   are x * scale, a single correctly rounded f32 product;
 * - normal: Box-Muller on word pairs (transcendentals: close to, not bitwise equal to, the CPU).
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { philox4x32, philoxWgsl, mulHiU32, seedKey } from './philox.js';

export type RandomKind = 'bits' | 'uniform' | 'normal' | 'randint' | 'dropout';

const keyParams = [
  { name: 'n', type: 'u32' },
  { name: 'key0', type: 'u32' },
  { name: 'key1', type: 'u32' },
  { name: 'stream', type: 'u32' },
] as const;

/** WGSL expression for element k (0..3) of the block, given `w` (vec4 words) and `base`. */
const elementCode: Record<RandomKind, string> = {
  bits: `out[at] = w[k];`,
  uniform: `out[at] = params.low + params.range * unit(w[k]);`,
  randint: `out[at] = params.low + i32(mul_hi_u32(w[k], params.range));`,
  dropout: `out[at] = select(0.0, x[at] * params.scale, (w[k] >> 8u) >= params.threshold);`,
  normal: `out[at] = params.mean + params.stddev * z[k];`,
};

const extraParams: Record<RandomKind, { name: string; type: 'u32' | 'i32' | 'f32' }[]> = {
  bits: [],
  uniform: [
    { name: 'low', type: 'f32' },
    { name: 'range', type: 'f32' },
  ],
  randint: [
    { name: 'low', type: 'i32' },
    { name: 'range', type: 'u32' },
  ],
  dropout: [
    { name: 'threshold', type: 'u32' },
    { name: 'scale', type: 'f32' },
  ],
  normal: [
    { name: 'mean', type: 'f32' },
    { name: 'stddev', type: 'f32' },
  ],
};

const outType: Record<RandomKind, string> = {
  bits: 'u32',
  uniform: 'f32',
  randint: 'i32',
  dropout: 'f32',
  normal: 'f32',
};

const cache = new Map<RandomKind, KernelSpec>();

export function randomKernel(kind: RandomKind): KernelSpec {
  let spec = cache.get(kind);
  if (!spec) {
    const bindings = [
      ...(kind === 'dropout' ? [{ name: 'x', type: 'f32', access: 'read' as const }] : []),
      { name: 'out', type: outType[kind], access: 'read_write' as const },
    ];
    const normal =
      kind === 'normal'
        ? `
  // Box-Muller on (w0, w1) and (w2, w3); u1 in (0, 1] keeps the log finite.
  let r01 = sqrt(-2.0 * log((f32(w[0] >> 8u) + 1.0) * 5.9604644775390625e-8));
  let r23 = sqrt(-2.0 * log((f32(w[2] >> 8u) + 1.0) * 5.9604644775390625e-8));
  // Angles in [-pi, pi), where WGSL bounds the error of sin and cos.
  let a01 = 6.283185307179586 * (unit(w[1]) - 0.5);
  let a23 = 6.283185307179586 * (unit(w[3]) - 0.5);
  let z = array<f32, 4>(r01 * cos(a01), r01 * sin(a01), r23 * cos(a23), r23 * sin(a23));`
        : '';
    spec = kernel({
      name: `random_${kind}`,
      bindings,
      params: [...keyParams, ...extraParams[kind]],
      workgroupSize: [256, 1, 1],
      body: `
${philoxWgsl}
fn unit(word: u32) -> f32 {
  return f32(word >> 8u) * 5.9604644775390625e-8;
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let t = flat_workgroup_index(wid, nwg) * WG_X + lid;
  let base = t * 4u;
  if (base >= params.n) { return; }
  let w = philox4x32(vec4<u32>(t, params.stream, 0u, 0u), vec2<u32>(params.key0, params.key1));${normal}
  for (var k = 0u; k < 4u; k++) {
    let at = base + k;
    if (at < params.n) { ${elementCode[kind]} }
  }
}
`,
    });
    cache.set(kind, spec);
  }
  return spec;
}

/** Invocations a random kernel over n elements needs. */
export function randomThreads(n: number): number {
  return Math.ceil(n / 4);
}

const TWO_POW_24 = 16777216;

/** The integer dropout threshold on a word's top 24 bits: P(drop) = threshold / 2^24 ≈ p. */
export function dropoutThreshold(p: number): number {
  return Math.round(p * TWO_POW_24);
}

/** Scale applied to kept elements (0 when everything is dropped). */
export function dropoutScale(p: number): number {
  return p >= 1 ? 0 : Math.fround(1 / (1 - p));
}

function wordsFor(
  n: number,
  seed: number,
  stream: number,
  fn: (i: number, word: number, block: readonly number[], k: number) => void,
): void {
  const key = seedKey(seed);
  for (let t = 0; t * 4 < n; t++) {
    const w = philox4x32([t, stream, 0, 0], key);
    for (let k = 0; k < 4 && t * 4 + k < n; k++) fn(t * 4 + k, w[k]!, w, k);
  }
}

/** CPU twin of rand with low = 0, high = 1 (bit-exact). */
export function uniformReference(n: number, seed: number, stream = 0): Float32Array {
  const out = new Float32Array(n);
  wordsFor(n, seed, stream, (i, word) => (out[i] = (word >>> 8) / TWO_POW_24));
  return out;
}

/** CPU twin of randint (bit-exact). */
export function randintReference(n: number, low: number, high: number, seed: number, stream = 0): Int32Array {
  const out = new Int32Array(n);
  wordsFor(n, seed, stream, (i, word) => (out[i] = low + mulHiU32(word, high - low)));
  return out;
}

/** CPU twin of dropout on f32 data (bit-exact: the mask is integer, the scale one f32 product). */
export function dropoutReference(x: ArrayLike<number>, p: number, seed: number, stream = 0): Float32Array {
  const threshold = dropoutThreshold(p);
  const scale = dropoutScale(p);
  const out = new Float32Array(x.length);
  wordsFor(x.length, seed, stream, (i, word) => {
    out[i] = word >>> 8 >= threshold ? Math.fround(Math.fround(x[i]!) * scale) : 0;
  });
  return out;
}

/** CPU twin of randn in float64 (the GPU's log/cos/sin round differently, so compare with a tolerance). */
export function normalReference(n: number, seed: number, stream = 0, mean = 0, std = 1): Float64Array {
  const out = new Float64Array(n);
  wordsFor(n, seed, stream, (i, _word, w, k) => {
    const pair = k < 2 ? 0 : 2;
    const r = Math.sqrt(-2 * Math.log(((w[pair]! >>> 8) + 1) / TWO_POW_24));
    const a = 2 * Math.PI * ((w[pair + 1]! >>> 8) / TWO_POW_24 - 0.5);
    out[i] = mean + std * r * (k % 2 === 0 ? Math.cos(a) : Math.sin(a));
  });
  return out;
}
