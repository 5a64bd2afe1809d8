/**
 * Problem builders for the attention tests: random q/k/v (f32-representable), Swin's shift mask
 * built from its definition (region ids on the padded grid, windows row-major), Mask2Former-style
 * boolean masks with chosen fully blocked rows, and the float64 reference input for each.
 */
import { type AttentionOptions, type Tensor, attention, tensor } from '../../engine/index.js';
import type { AttentionRefInput, RefDims, RefMask, RefTerm } from '../../shaders/attention/reference.js';
import { randomArray } from '../util/engine.js';

export type Shape4 = [number, number, number, number];

export interface TermData {
  data: number[];
  /** The tensor's own shape (rank <= 4). */
  shape: number[];
  /** The same, right-aligned to [n, h, q, k]. */
  shape4: Shape4;
}

export interface MaskData extends TermData {
  dtype: 'u32' | 'i32' | 'f32';
}

export interface AttnProblem {
  dims: RefDims;
  q: number[];
  k: number[];
  v: number[];
  scale: number;
  terms: TermData[];
  mask?: MaskData;
}

export function f32Array(n: number, random: () => number, lo = -1, hi = 1): number[] {
  return randomArray(n, random, lo, hi).map(Math.fround);
}

export function aligned4(shape: readonly number[]): Shape4 {
  const s = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

export function randomProblem(
  random: () => number,
  dims: RefDims,
  scale?: number,
  spread = 1.5,
): AttnProblem {
  const { B, H, Lq, Lk, D, Dv } = dims;
  return {
    dims,
    q: f32Array(B * H * Lq * D, random, -spread, spread),
    k: f32Array(B * H * Lk * D, random, -spread, spread),
    v: f32Array(B * H * Lk * Dv, random),
    scale: scale ?? 1 / Math.sqrt(D),
    terms: [],
  };
}

export function randomTerm(random: () => number, shape: number[], lo = -1, hi = 1): TermData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: f32Array(n, random, lo, hi), shape, shape4: aligned4(shape) };
}

/**
 * Swin's shift mask for a padded hp x wp map, window `w`, shift `s`: per axis, region 0 is
 * [0, hp-w), 1 is [hp-w, hp-s), 2 is [hp-s, hp); a token's id is 3·r_row + r_col; windows are
 * taken row-major, tokens row-major inside; -100 where query and key ids differ. [nW, 1, L, L].
 */
export function swinShiftMask(hp: number, wp: number, w: number, s: number): TermData {
  const region = (x: number, n: number) => (x < n - w ? 0 : x < n - s ? 1 : 2);
  const nWr = hp / w;
  const nWc = wp / w;
  const L = w * w;
  const data: number[] = [];
  for (let wr = 0; wr < nWr; wr++)
    for (let wc = 0; wc < nWc; wc++) {
      const ids: number[] = [];
      for (let t = 0; t < L; t++) {
        const y = wr * w + Math.floor(t / w);
        const x = wc * w + (t % w);
        ids.push(3 * region(y, hp) + region(x, wp));
      }
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) data.push(ids[a] !== ids[b] ? -100 : 0);
    }
  const shape = [nWr * nWc, 1, L, L];
  return { data, shape, shape4: aligned4(shape) };
}

/**
 * A boolean mask [B·H, Lq, Lk] (1 = blocked) with probability `pBlocked`, rows listed in
 * `fullRows` ([b·H + h, i]) fully blocked and at least one unblocked key in every other row.
 */
export function decoderMask(
  random: () => number,
  dims: RefDims,
  pBlocked: number,
  fullRows: readonly [number, number][],
  dtype: 'u32' | 'i32' = 'u32',
): MaskData {
  const { B, H, Lq, Lk } = dims;
  const data: number[] = [];
  for (let r = 0; r < B * H * Lq; r++) {
    const row: number[] = Array.from({ length: Lk }, () => (random() < pBlocked ? 1 : 0));
    if (!row.includes(0)) row[Math.floor(random() * Lk)] = 0;
    data.push(...row);
  }
  for (const [bh, i] of fullRows) data.fill(1, (bh * Lq + i) * Lk, (bh * Lq + i + 1) * Lk);
  return { data, shape: [B * H, Lq, Lk], shape4: [B, H, Lq, Lk], dtype };
}

export function refInput(p: AttnProblem): AttentionRefInput {
  const terms: RefTerm[] = p.terms.map((t) => ({ data: t.data, shape: t.shape4 }));
  const mask: RefMask | undefined = p.mask && {
    data: p.mask.data,
    shape: p.mask.shape4,
    kind: p.mask.dtype === 'f32' ? 'add' : 'bool',
  };
  return { dims: p.dims, q: p.q, k: p.k, v: p.v, scale: p.scale, terms, ...(mask ? { mask } : {}) };
}

export interface Uploaded {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  terms: Tensor[];
  mask: Tensor | null;
}

/** Uploads a problem (call inside tidy). */
export function upload(p: AttnProblem): Uploaded {
  const { B, H, Lq, Lk, D, Dv } = p.dims;
  return {
    q: tensor(p.q, [B, H, Lq, D]),
    k: tensor(p.k, [B, H, Lk, D]),
    v: tensor(p.v, [B, H, Lk, Dv]),
    terms: p.terms.map((t) => tensor(t.data, t.shape)),
    mask: p.mask ? tensor(p.mask.data, p.mask.shape, p.mask.dtype) : null,
  };
}

/** The op on uploaded tensors with the problem's terms, mask and scale. */
export function run(u: Uploaded, p: AttnProblem, options: AttentionOptions = {}): Tensor {
  return attention(u.q, u.k, u.v, {
    scale: p.scale,
    bias: u.terms,
    mask: u.mask,
    ...options,
  });
}
