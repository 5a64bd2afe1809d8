import { type Tensor, relu } from '../../engine/index.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/** Linear layers with ReLU between them (Mask2Former's MLP head has this shape). */
export class Mlp extends Module {
  readonly layers: Linear[];

  constructor(sizes: readonly number[], seed: number) {
    super();
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      this.layers.push(this.registerModule(`layers.${i}`, new Linear(sizes[i]!, sizes[i + 1]!, { seed: seed + i })));
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (i + 1 < this.layers.length) h = relu(h);
    });
    return h;
  }
}
