import { EngineError, type Tensor, parameter } from '../../engine/index.js';

/**
 * A tree of named parameters, like torch.nn.Module: names follow the attribute path
 * (`layers.0.fc1.weight`) so checkpoints use the original parameter names.
 */
export abstract class Module {
  private readonly ownParams = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, t: Tensor): Tensor {
    if (this.ownParams.has(name)) throw new EngineError(`parameter '${name}' registered twice`);
    this.ownParams.set(name, parameter(t, name));
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    if (this.children.has(name)) throw new EngineError(`submodule '${name}' registered twice`);
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

  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
  }
}
