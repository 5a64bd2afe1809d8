/**
 * Dropout and drop-path modules. Each call in training mode draws a fresh mask from its own
 * seed and a call counter (the Philox stream), so a run is reproducible and the counters are
 * all the random state a checkpoint needs to resume exactly. In eval mode they are the identity.
 */
import { type Tensor, dropPath, dropout } from '../../engine/index.js';
import { Module } from './module.js';

export abstract class StochasticModule extends Module {
  /** Masks drawn so far (the next call uses stream `draws`). */
  draws = 0;

  constructor(
    readonly p: number,
    readonly seed: number,
  ) {
    super();
  }

  protected nextStream(): number {
    const stream = this.draws % 0x100000000;
    this.draws++;
    return stream;
  }
}

/** torch.nn.Dropout: zeroes elements with probability p, scales the rest by 1/(1−p). */
export class Dropout extends StochasticModule {
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, { seed: this.seed, stream: this.nextStream() });
  }
}

/** timm DropPath (stochastic depth): zeroes whole samples (first axis) with probability p. */
export class DropPath extends StochasticModule {
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropPath(x, this.p, { seed: this.seed, stream: this.nextStream() });
  }
}

/** The draw counters of every stochastic module in a tree, by path. */
export function randomState(root: Module): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, m] of root.namedModules()) if (m instanceof StochasticModule) out[name] = m.draws;
  return out;
}

/** Restores counters saved by randomState; names not in the tree are ignored, absent ones reset to 0. */
export function setRandomState(root: Module, state: Readonly<Record<string, number>>): void {
  for (const [name, m] of root.namedModules()) if (m instanceof StochasticModule) m.draws = state[name] ?? 0;
}
