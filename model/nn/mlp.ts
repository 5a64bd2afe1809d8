import { type Tensor, relu } from '../../engine/index.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { ModuleList } from './module-list.js';

/** Linear layers with ReLU between them (Mask2Former's MLP head: `layers.0`, `layers.1`, ...). */
export class Mlp extends Module {
  readonly layers: Linear[];

  constructor(sizes: readonly number[], seed: number) {
    super();
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++)
      this.layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { seed: seed + i }));
    this.registerModule('layers', new ModuleList(this.layers));
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
