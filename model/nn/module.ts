import { EngineError, type Tensor, keep, parameter } from '../../engine/index.js';
import {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateSource,
  loadStateInto,
} from './state-dict.js';

export interface BufferOptions {
  /**
   * Whether the buffer belongs to the state dict (default true). Derived buffers — Swin's
   * relative_position_index, attention masks — are not persistent: they are rebuilt from the
   * config, never loaded or saved.
   */
  persistent?: boolean;
}

interface BufferEntry {
  tensor: Tensor;
  persistent: boolean;
}

/**
 * A tree of named parameters, buffers and submodules, like torch.nn.Module: names follow the
 * attribute path (`layers.0.fc1.weight`) so checkpoints use the original parameter names.
 * Parameters and buffers are kept out of every `tidy` scope: the module owns them until
 * `dispose()`.
 */
export abstract class Module {
  /** Training mode (dropout, drop-path active); set for the whole tree with train()/eval(). */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, BufferEntry>();
  private readonly children = new Map<string, Module>();

  private checkName(kind: string, name: string): void {
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new EngineError(`${kind} '${name}' registered twice (or under a name already taken)`);
    }
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    this.checkName('parameter', name);
    this.ownParams.set(name, parameter(keep(t), name));
    return t;
  }

  protected registerBuffer(name: string, t: Tensor, options: BufferOptions = {}): Tensor {
    this.checkName('buffer', name);
    t.name = name;
    this.ownBuffers.set(name, { tensor: keep(t), persistent: options.persistent ?? true });
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('submodule', name);
    this.children.set(name, m);
    return m;
  }

  /** Every parameter with its full dotted name. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.ownParams) {
      p.name = prefix + n; // the full path, so optimizer state and errors name it exactly
      out.push([prefix + n, p]);
    }
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its full dotted name and whether it is persistent. */
  namedBuffers(prefix = ''): [string, Tensor, boolean][] {
    const out: [string, Tensor, boolean][] = [];
    for (const [n, b] of this.ownBuffers) out.push([prefix + n, b.tensor, b.persistent]);
    for (const [n, m] of this.children) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** This module ('' ) and every descendant with its dotted path. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [n, m] of this.children) out.push(...m.namedModules(`${prefix}${n}.`));
    return out;
  }

  /**
   * Parameters and persistent buffers by full name, in torch's order (a module's own parameters,
   * then its buffers, then each child). The tensors are the live ones, not copies.
   */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, p] of this.ownParams) out.set(prefix + n, p);
    for (const [n, b] of this.ownBuffers) if (b.persistent) out.set(prefix + n, b.tensor);
    for (const [n, m] of this.children) for (const [k, t] of m.stateDict(`${prefix}${n}.`)) out.set(k, t);
    return out;
  }

  /**
   * Copies values into the parameters and persistent buffers in place (the tensors keep their
   * identity, so an optimizer built on them stays valid). Values are GPU tensors or CPU data
   * (e.g. parsed safetensors). With `strict` (default) missing and unexpected names are an
   * error; shape or dtype mismatches always are (unless `onShapeMismatch: 'skip'`). Every
   * problem is listed in one StateDictError, and nothing is written when there is one. Source
   * entries named like a non-persistent buffer (official checkpoints carry Swin's
   * relative_position_index) are ignored: those are rebuilt, never loaded.
   */
  loadStateDict(source: StateSource, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const derived = new Set(this.namedBuffers().flatMap(([n, , persistent]) => (persistent ? [] : [n])));
    const ignore = options.ignore;
    return loadStateInto(this.stateDict(), source, {
      ...options,
      ignore: (name) => derived.has(name) || (ignore?.(name) ?? false),
      what: options.what ?? this.constructor.name,
    });
  }

  /** Sets training mode on this module and every descendant (torch's train(mode)). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** train(false): dropout and drop-path become the identity. */
  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}
