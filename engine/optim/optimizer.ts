/**
 * What AdamW and SGD share: parameter groups (each with its own lr multiplier and weight decay),
 * per-parameter state tensors kept on the GPU, zeroGrad, and state save/load as a map of named
 * tensors (for safetensors). The lr is set from outside each iteration (see schedule.ts):
 * a group's lr is `optimizer.lr × group.lrMultiplier`.
 */
import { EngineError } from '../errors.js';
import { contiguous, fillInPlace, tensor } from '../ops/copy.js';
import { keep, tidy } from '../scope.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type GradNorm, gradNormScale } from './clip.js';

export interface ParamGroupSpec {
  params: readonly Tensor[];
  /** Multiplies the optimizer's lr for this group (e.g. 0.1 for a pretrained backbone). */
  lrMultiplier?: number;
  /** Overrides the optimizer's weight decay (e.g. 0 for norms and biases). */
  weightDecay?: number;
}

export interface ParamGroup {
  readonly params: readonly Tensor[];
  lrMultiplier: number;
  weightDecay: number;
}

export interface ParamState {
  /** Steps taken for this parameter (PyTorch counts per parameter; a step without a grad skips it). */
  step: number;
  buffers: Map<string, Tensor>;
}

export interface StepOptions {
  /**
   * A one-element GPU tensor multiplying every gradient inside the update (e.g. the `scale` of
   * `gradNormScale`). Not combined with `maxGradNorm`, which supplies its own.
   */
  gradScale?: Tensor;
}

export abstract class Optimizer {
  /** Base learning rate; set it from a schedule before each step. */
  lr: number;
  readonly groups: ParamGroup[];
  /** Full-model gradient clipping (detectron2 "full_model"): max global L2 norm, or null. */
  maxGradNorm: number | null;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly names = new Map<Tensor, string>();

  protected constructor(
    params: readonly Tensor[] | readonly ParamGroupSpec[],
    lr: number,
    weightDecay: number,
    maxGradNorm: number | null,
  ) {
    this.lr = lr;
    this.maxGradNorm = maxGradNorm;
    const specs: readonly ParamGroupSpec[] =
      params.length > 0 && params[0] instanceof Tensor
        ? [{ params: params as readonly Tensor[] }]
        : (params as readonly ParamGroupSpec[]);
    this.groups = specs.map((s) => ({
      params: [...s.params],
      lrMultiplier: s.lrMultiplier ?? 1,
      weightDecay: s.weightDecay ?? weightDecay,
    }));
    const used = new Set<string>();
    this.groups.forEach((g, gi) =>
      g.params.forEach((p, pi) => {
        if (this.names.has(p)) throw new EngineError(`optimizer: parameter ${p.describe()} appears twice`);
        if (p.dtype !== 'f32') throw new EngineError(`optimizer: parameter ${p.describe()} is not f32`);
        const name = p.name ?? `group${gi}.param${pi}`;
        if (used.has(name)) throw new EngineError(`optimizer: two parameters are named '${name}'`);
        used.add(name);
        this.names.set(p, name);
      }),
    );
  }

  /** Every parameter, in group order. */
  get params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** Names of the per-parameter state buffers ('exp_avg', ...), in save order. */
  protected abstract bufferNames(): readonly string[];

  /** Records the fused update of one parameter (dense param, dense grad). */
  protected abstract update(
    p: Tensor,
    grad: Tensor,
    group: ParamGroup,
    state: ParamState,
    scale: Tensor | null,
  ): void;

  /**
   * One optimizer step over every parameter that has a gradient. Everything stays on the GPU: with
   * `maxGradNorm` set, the global gradient norm and clip factor are computed there and fused into
   * the updates (so, unlike clip_grad_norm_, the stored gradients stay unscaled; the updates are
   * the same). Returns the total gradient norm (a GPU scalar, in the caller's scope) when
   * clipping, else null.
   */
  step(options: StepOptions = {}): Tensor | null {
    return tidy(() => {
      let clip: GradNorm | null = null;
      if (this.maxGradNorm !== null) {
        if (options.gradScale)
          throw new EngineError('optimizer.step: gradScale given while maxGradNorm clips');
        clip = gradNormScale(this.params, this.maxGradNorm);
      }
      const scale = clip ? clip.scale : (options.gradScale ?? null);
      for (const group of this.groups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          if (!p.isDense())
            throw new EngineError(`optimizer: parameter ${p.describe()} is a view, not dense`);
          const state = this.stateOf(p);
          state.step++;
          const grad = contiguous(p.grad);
          this.update(p, grad, group, state, scale);
        }
      }
      return clip ? clip.totalNorm : null;
    });
  }

  /**
   * Clears every gradient. By default drops them (PyTorch's set_to_none: the next backward
   * allocates fresh ones, which is cheaper than accumulating into zeros); with
   * `setToNone: false` fills them with zeros in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const p of this.params) {
      if (!p.grad) continue;
      if (!setToNone && p.grad.isDense()) {
        fillInPlace(p.grad, 0);
        continue;
      }
      p.grad.dispose();
      p.grad = null;
    }
  }

  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = { step: 0, buffers: new Map() };
      for (const b of this.bufferNames()) {
        const t = keep(Tensor.empty(p.shape, 'f32'));
        s.buffers.set(b, t);
      }
      this.initBuffers(s);
      this.state.set(p, s);
    }
    return s;
  }

  /** Sets freshly allocated state buffers (zeros by default). */
  protected abstract initBuffers(s: ParamState): void;

  /**
   * The state as named tensors: `<param>.<buffer>` (the live GPU buffers) and `<param>.step`
   * (a new i32 scalar in the caller's scope). Parameters not yet stepped have no entries.
   */
  stateTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const p of this.params) {
      const s = this.state.get(p);
      if (!s) continue;
      const name = this.names.get(p)!;
      out.set(`${name}.step`, tensor([s.step], [], 'i32'));
      for (const [b, t] of s.buffers) out.set(`${name}.${b}`, t);
    }
    return out;
  }

  /**
   * Restores state saved by `stateTensors` (copies the tensors; reads the step counts back).
   * Parameters without entries start fresh. Unknown names, missing buffers and shape mismatches
   * are errors naming the tensor.
   */
  async loadStateTensors(tensors: ReadonlyMap<string, Tensor>): Promise<void> {
    const byName = new Map<string, Tensor>();
    for (const [p, n] of this.names) byName.set(n, p);
    const claimed = new Set<string>();
    const loaded = new Map<Tensor, ParamState>();
    for (const [name, p] of byName) {
      const stepT = tensors.get(`${name}.step`);
      if (!stepT) continue;
      claimed.add(`${name}.step`);
      const step = await stepT.item();
      if (!Number.isInteger(step) || step < 0)
        throw new EngineError(`optimizer state '${name}.step' is ${step}`);
      const buffers = new Map<string, Tensor>();
      for (const b of this.bufferNames()) {
        const key = `${name}.${b}`;
        const t = tensors.get(key);
        if (!t) throw new EngineError(`optimizer state: '${key}' is missing (its step count is there)`);
        if (!shapesEqual(t.shape, p.shape) || t.dtype !== 'f32') {
          throw new EngineError(
            `optimizer state: '${key}' is ${t.dtype}${formatShape(t.shape)}, the parameter is f32${formatShape(p.shape)}`,
          );
        }
        claimed.add(key);
        buffers.set(b, keep(tidy(() => contiguous(t, true))));
      }
      loaded.set(p, { step, buffers });
    }
    const unknown = [...tensors.keys()].filter((k) => !claimed.has(k));
    if (unknown.length > 0) {
      for (const s of loaded.values()) for (const t of s.buffers.values()) t.dispose();
      throw new EngineError(
        `optimizer state: no parameter for ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`,
      );
    }
    this.disposeState();
    for (const [p, s] of loaded) this.state.set(p, s);
  }

  /** The step count of a parameter (0 before its first update). */
  stepOf(p: Tensor): number {
    return this.state.get(p)?.step ?? 0;
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const t of s.buffers.values()) t.dispose();
    this.state.clear();
  }

  /** Frees the optimizer's GPU state. */
  dispose(): void {
    this.disposeState();
  }
}
