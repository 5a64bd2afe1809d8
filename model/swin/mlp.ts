import { type Tensor, gelu } from '../../engine/index.js';
import { Dropout } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { deriveSeed } from '../nn/seed.js';

/** Swin's feed-forward: fc1 → exact (erf) GELU → drop → fc2 → drop (parameters `fc1`, `fc2`). */
export class SwinMlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly drop: Dropout;

  constructor(dim: number, hidden: number, options: { dropRate: number; seed: number }) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(dim, hidden, { seed: deriveSeed(options.seed, 'fc1') }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, dim, { seed: deriveSeed(options.seed, 'fc2') }));
    // One module used twice, as in the official Mlp (each call draws its own mask).
    this.drop = this.registerModule('drop', new Dropout(options.dropRate, deriveSeed(options.seed, 'drop')));
  }

  forward(x: Tensor): Tensor {
    const h = this.drop.forward(gelu(this.fc1.forward(x)));
    return this.drop.forward(this.fc2.forward(h));
  }
}
