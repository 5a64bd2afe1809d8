/**
 * Float64 CPU reference of scaled-dot-product attention with additive terms and a mask, written
 * straight from the definition (scores, softmax, weighted sum; backward by the chain rule).
 *
 *   s[b,h,i,j] = scale · q[b,h,i]·k[b,h,j] + Σ_terms term[b mod n, h, i, j] + mask term
 *   out[b,h,i] = Σ_j softmax_j(s[b,h,i,:]) · v[b,h,j]
 *
 * Terms are 4-D [n, h, q, k] with each dim either 1 (broadcast) or full; the batch index is
 * b mod n. Mask: 'bool' (nonzero = blocked, adds -inf) or 'add' (added; -inf = blocked). A row
 * whose mask blocks every key is computed without the mask (Mask2Former). A row whose scores
 * are all -inf gives 0 (and logsumexp -inf, zero gradients).
 */

export interface RefDims {
  B: number;
  H: number;
  Lq: number;
  Lk: number;
  D: number;
  Dv: number;
}

export interface RefTerm {
  data: ArrayLike<number>;
  /** [n, h, q, k]: n divides B; h, q, k are 1 or full. */
  shape: readonly [number, number, number, number];
}

export interface RefMask extends RefTerm {
  kind: 'bool' | 'add';
}

export interface AttentionRefInput {
  dims: RefDims;
  q: ArrayLike<number>;
  k: ArrayLike<number>;
  v: ArrayLike<number>;
  scale: number;
  terms?: readonly RefTerm[];
  mask?: RefMask;
}

function termIndex(shape: readonly number[], b: number, h: number, i: number, j: number): number {
  const [n, hn, qn, kn] = shape as [number, number, number, number];
  return (((b % n) * hn + (hn === 1 ? 0 : h)) * qn + (qn === 1 ? 0 : i)) * kn + (kn === 1 ? 0 : j);
}

interface RowScores {
  s: Float64Array;
  p: Float64Array;
  lse: number;
}

function rowScores(x: AttentionRefInput, b: number, h: number, i: number): RowScores {
  const { H, Lq, Lk, D } = x.dims;
  const s = new Float64Array(Lk);
  const qBase = ((b * H + h) * Lq + i) * D;
  for (let j = 0; j < Lk; j++) {
    const kBase = ((b * H + h) * Lk + j) * D;
    let dot = 0;
    for (let d = 0; d < D; d++) dot += x.q[qBase + d]! * x.k[kBase + d]!;
    let v = x.scale * dot;
    for (const t of x.terms ?? []) v += t.data[termIndex(t.shape, b, h, i, j)]!;
    s[j] = v;
  }
  if (x.mask) {
    const m = x.mask;
    const add = new Float64Array(Lk);
    let blocked = 0;
    for (let j = 0; j < Lk; j++) {
      const raw = m.data[termIndex(m.shape, b, h, i, j)]!;
      add[j] = m.kind === 'bool' ? (raw !== 0 ? -Infinity : 0) : raw;
      if (add[j] === -Infinity) blocked++;
    }
    if (blocked < Lk) for (let j = 0; j < Lk; j++) s[j] += add[j]!;
  }
  let max = -Infinity;
  for (let j = 0; j < Lk; j++) max = Math.max(max, s[j]!);
  const p = new Float64Array(Lk);
  if (max === -Infinity) return { s, p, lse: -Infinity };
  let sum = 0;
  for (let j = 0; j < Lk; j++) {
    p[j] = s[j] === -Infinity ? 0 : Math.exp(s[j]! - max);
    sum += p[j]!;
  }
  for (let j = 0; j < Lk; j++) p[j] = p[j]! / sum;
  return { s, p, lse: max + Math.log(sum) };
}

/** Output [B, H, Lq, Dv] and logsumexp [B, H, Lq]. */
export function attentionReference(x: AttentionRefInput): { out: Float64Array; lse: Float64Array } {
  const { B, H, Lq, Lk, Dv } = x.dims;
  const out = new Float64Array(B * H * Lq * Dv);
  const lse = new Float64Array(B * H * Lq);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Lq; i++) {
        const row = (b * H + h) * Lq + i;
        const { p, lse: l } = rowScores(x, b, h, i);
        lse[row] = l;
        for (let j = 0; j < Lk; j++) {
          const pj = p[j]!;
          if (pj === 0) continue;
          const vBase = ((b * H + h) * Lk + j) * Dv;
          for (let d = 0; d < Dv; d++) out[row * Dv + d] += pj * x.v[vBase + d]!;
        }
      }
  return { out, lse };
}

export interface AttentionRefGrads {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  /** One per term, in the term's own [n, h, q, k] shape (summed over what it broadcasts). */
  dterms: Float64Array[];
}

/** Vector-Jacobian product of `attentionReference` with the cotangent `dOut` [B, H, Lq, Dv]. */
export function attentionBackwardReference(x: AttentionRefInput, dOut: ArrayLike<number>): AttentionRefGrads {
  const { B, H, Lq, Lk, D, Dv } = x.dims;
  const dq = new Float64Array(B * H * Lq * D);
  const dk = new Float64Array(B * H * Lk * D);
  const dv = new Float64Array(B * H * Lk * Dv);
  const terms = x.terms ?? [];
  const dterms = terms.map((t) => new Float64Array(t.shape.reduce((a, c) => a * c, 1)));
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < Lq; i++) {
        const row = (b * H + h) * Lq + i;
        const { p } = rowScores(x, b, h, i);
        const dp = new Float64Array(Lk);
        let delta = 0;
        for (let j = 0; j < Lk; j++) {
          const vBase = ((b * H + h) * Lk + j) * Dv;
          let s = 0;
          for (let d = 0; d < Dv; d++) s += dOut[row * Dv + d]! * x.v[vBase + d]!;
          dp[j] = s;
          delta += p[j]! * s;
        }
        for (let j = 0; j < Lk; j++) {
          const pj = p[j]!;
          const vBase = ((b * H + h) * Lk + j) * Dv;
          for (let d = 0; d < Dv; d++) dv[vBase + d] += pj * dOut[row * Dv + d]!;
          const ds = pj * (dp[j]! - delta);
          if (ds === 0) continue;
          const kBase = ((b * H + h) * Lk + j) * D;
          for (let d = 0; d < D; d++) {
            dq[row * D + d] += x.scale * ds * x.k[kBase + d]!;
            dk[kBase + d] += x.scale * ds * x.q[row * D + d]!;
          }
          terms.forEach((t, n) => (dterms[n]![termIndex(t.shape, b, h, i, j)] += ds));
        }
      }
  return { dq, dk, dv, dterms };
}
