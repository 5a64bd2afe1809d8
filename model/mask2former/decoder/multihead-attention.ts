/**
 * torch.nn.MultiheadAttention (no dropout, batch-first tensors here), with its parameter names:
 * `in_proj_weight` [3C, C] = [Wq; Wk; Wv], `in_proj_bias` [3C] likewise, `out_proj.{weight,bias}`.
 * Head h owns channels [h·hd, (h+1)·hd); q is scaled by hd^-0.5 (inside the fused `attention`
 * op). A boolean mask (nonzero = blocked) may have a fully blocked row: the op then attends
 * everywhere, which is Mask2Former's fix (`attn_mask[sum == L] = False`).
 */
import {
  ShapeError,
  type Tensor,
  attention,
  linear,
  permute,
  reshape,
  select,
  slice,
  zeros,
} from '../../../engine/index.js';
import { Linear, Module, deriveSeed } from '../../nn/index.js';
import { assignXavierUniform, assignZeros } from './init.js';

export interface MultiheadAttentionCall {
  /** Boolean (u32/i32, nonzero = blocked) or additive mask, shaped as the `attention` op accepts. */
  mask?: Tensor | null;
  /**
   * The key input is the query input (self-attention with q = k): one projection of the first
   * 2C rows computes both.
   */
  keyIsQuery?: boolean;
}

export class MultiheadAttention extends Module {
  readonly in_proj_weight: Tensor;
  readonly in_proj_bias: Tensor;
  readonly out_proj: Linear;
  readonly headDim: number;

  constructor(
    readonly dim: number,
    readonly heads: number,
    seed: number,
  ) {
    super();
    if (!Number.isInteger(dim / heads) || heads < 1) {
      throw new ShapeError(`MultiheadAttention: ${heads} heads do not divide ${dim} channels`);
    }
    this.headDim = dim / heads;
    // torch's _reset_parameters: xavier_uniform in_proj, zero biases; Mask2Former's decoder
    // re-initialises every dim > 1 parameter with xavier_uniform, out_proj.weight included.
    this.in_proj_weight = this.registerParameter('in_proj_weight', zeros([3 * dim, dim]));
    assignXavierUniform(this.in_proj_weight, deriveSeed(seed, 'in_proj_weight'));
    this.in_proj_bias = this.registerParameter('in_proj_bias', zeros([3 * dim]));
    this.out_proj = this.registerModule(
      'out_proj',
      new Linear(dim, dim, { seed: deriveSeed(seed, 'out_proj') }),
    );
    assignXavierUniform(this.out_proj.weight, deriveSeed(seed, 'out_proj.weight'));
    assignZeros(this.out_proj.bias!);
  }

  /** Rows [from·C, to·C) of the packed projection applied to x [B, L, C] → [B, L, (to-from)·C]. */
  private project(x: Tensor, from: number, to: number): Tensor {
    const c = this.dim;
    return linear(
      x,
      slice(this.in_proj_weight, 0, from * c, to * c),
      slice(this.in_proj_bias, 0, from * c, to * c),
    );
  }

  /** [B, L, C] → [B, nH, L, hd] (a view). */
  private splitHeads(x: Tensor): Tensor {
    const [b, l] = x.shape as [number, number];
    return permute(reshape(x, [b, l, this.heads, this.headDim]), [0, 2, 1, 3]);
  }

  /** query [B, Lq, C], key and value [B, Lk, C] → [B, Lq, C]. */
  forward(query: Tensor, key: Tensor, value: Tensor, call: MultiheadAttentionCall = {}): Tensor {
    const c = this.dim;
    for (const [what, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (t.ndim !== 3 || t.shape[2] !== c) {
        throw new ShapeError(
          `MultiheadAttention(${c}, ${this.heads}): ${what} ${t.describe()} must be [B, L, ${c}]`,
        );
      }
    }
    const [b, lq] = query.shape as [number, number];
    let q: Tensor;
    let k: Tensor;
    if (call.keyIsQuery) {
      // [B, L, 2C] viewed as [B, L, 2, nH, hd]: index 0 is q, 1 is k.
      const qk = reshape(this.project(query, 0, 2), [b, lq, 2, this.heads, this.headDim]);
      q = permute(select(qk, 2, 0), [0, 2, 1, 3]);
      k = permute(select(qk, 2, 1), [0, 2, 1, 3]);
    } else {
      q = this.splitHeads(this.project(query, 0, 1));
      k = this.splitHeads(this.project(key, 1, 2));
    }
    const v = this.splitHeads(this.project(value, 2, 3));
    // 'blhd': the output is dense [B, Lq, nH, hd], so merging the heads is free.
    const o = attention(q, k, v, { mask: call.mask ?? null, outputLayout: 'blhd' });
    const merged = reshape(permute(o, [0, 2, 1, 3]), [b, lq, c]);
    return this.out_proj.forward(merged);
  }
}
