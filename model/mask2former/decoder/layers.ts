/**
 * The three sub-layers of a decoder layer, with the official names (`transformer_*_layers.{i}`):
 * CrossAttentionLayer (`multihead_attn`, `norm`), SelfAttentionLayer (`self_attn`, `norm`) and
 * FFNLayer (`linear1`, `linear2`, `norm`). Post-norm by default (out = LN(x + f(x))), pre-norm
 * optional (out = x + f(LN(x))). Dropout is 0 in every Mask2Former config and not supported.
 */
import { type Tensor, add, relu } from '../../../engine/index.js';
import { LayerNorm, Linear, Module, deriveSeed } from '../../nn/index.js';
import { assignXavierUniform } from './init.js';
import { MultiheadAttention } from './multihead-attention.js';

export class CrossAttentionLayer extends Module {
  readonly multihead_attn: MultiheadAttention;
  readonly norm: LayerNorm;

  constructor(
    dim: number,
    heads: number,
    readonly preNorm: boolean,
    seed: number,
  ) {
    super();
    this.multihead_attn = this.registerModule(
      'multihead_attn',
      new MultiheadAttention(dim, heads, deriveSeed(seed, 'multihead_attn')),
    );
    this.norm = this.registerModule('norm', new LayerNorm(dim));
  }

  /**
   * tgt [B, Q, C] attends to memory [B, HW, C]: q = tgt + queryPos, k = memoryWithPos (memory +
   * pos, computed once per level), v = memory; `mask` blocks keys (nonzero = blocked).
   */
  forward(tgt: Tensor, memory: Tensor, memoryWithPos: Tensor, queryPos: Tensor, mask: Tensor | null): Tensor {
    if (this.preNorm) {
      const t = this.norm.forward(tgt);
      return add(tgt, this.multihead_attn.forward(add(t, queryPos), memoryWithPos, memory, { mask }));
    }
    const attended = this.multihead_attn.forward(add(tgt, queryPos), memoryWithPos, memory, { mask });
    return this.norm.forward(add(tgt, attended));
  }
}

export class SelfAttentionLayer extends Module {
  readonly self_attn: MultiheadAttention;
  readonly norm: LayerNorm;

  constructor(
    dim: number,
    heads: number,
    readonly preNorm: boolean,
    seed: number,
  ) {
    super();
    this.self_attn = this.registerModule(
      'self_attn',
      new MultiheadAttention(dim, heads, deriveSeed(seed, 'self_attn')),
    );
    this.norm = this.registerModule('norm', new LayerNorm(dim));
  }

  /** q = k = tgt + queryPos, v = tgt (the normed tgt in pre-norm). */
  forward(tgt: Tensor, queryPos: Tensor): Tensor {
    if (this.preNorm) {
      const t = this.norm.forward(tgt);
      const qk = add(t, queryPos);
      return add(tgt, this.self_attn.forward(qk, qk, t, { keyIsQuery: true }));
    }
    const qk = add(tgt, queryPos);
    return this.norm.forward(add(tgt, this.self_attn.forward(qk, qk, tgt, { keyIsQuery: true })));
  }
}

export class FFNLayer extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm: LayerNorm;

  constructor(
    dim: number,
    ffnDim: number,
    readonly preNorm: boolean,
    seed: number,
  ) {
    super();
    // Weights xavier_uniform (the decoder's reset), biases torch's Linear default.
    this.linear1 = this.registerModule(
      'linear1',
      new Linear(dim, ffnDim, { seed: deriveSeed(seed, 'linear1') }),
    );
    this.linear2 = this.registerModule(
      'linear2',
      new Linear(ffnDim, dim, { seed: deriveSeed(seed, 'linear2') }),
    );
    assignXavierUniform(this.linear1.weight, deriveSeed(seed, 'linear1.weight'));
    assignXavierUniform(this.linear2.weight, deriveSeed(seed, 'linear2.weight'));
    this.norm = this.registerModule('norm', new LayerNorm(dim));
  }

  forward(tgt: Tensor): Tensor {
    if (this.preNorm) {
      const t = this.norm.forward(tgt);
      return add(tgt, this.linear2.forward(relu(this.linear1.forward(t))));
    }
    return this.norm.forward(add(tgt, this.linear2.forward(relu(this.linear1.forward(tgt)))));
  }
}
