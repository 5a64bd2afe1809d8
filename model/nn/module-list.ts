import type { Tensor } from '../../engine/index.js';
import { Module } from './module.js';

/** torch.nn.ModuleList: children named 0, 1, ... so parameters read `layers.0.weight`. */
export class ModuleList<M extends Module> extends Module implements Iterable<M> {
  private readonly items: M[] = [];

  constructor(items: Iterable<M> = []) {
    super();
    for (const m of items) this.append(m);
  }

  append(m: M): M {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  get(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  map<T>(fn: (m: M, i: number) => T): T[] {
    return this.items.map(fn);
  }
}

/** A module that maps one tensor to one tensor. */
export type TensorModule = Module & { forward(x: Tensor): Tensor };

/** torch.nn.Sequential: a ModuleList (same `0.`, `1.` names) whose forward chains its children. */
export class Sequential<M extends TensorModule = TensorModule> extends ModuleList<M> {
  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this) h = m.forward(h);
    return h;
  }
}
