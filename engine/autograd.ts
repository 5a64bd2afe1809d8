import { EngineError } from './errors.js';
import { keep } from './scope.js';
import { shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * Tape-based reverse mode. Each differentiable op's output carries a GradNode whose `backward`
 * maps the output's gradient to its inputs' gradients (null for inputs that need none). Backward
 * functions run with recording off, so gradients are not themselves differentiable.
 */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** True when an op on these inputs must be recorded. */
export function needsGrad(...inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/** Attaches a tape entry to `out` when any input requires a gradient. Returns `out`. */
export function recordOp(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: (grad: Tensor) => readonly (Tensor | null)[],
): Tensor {
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out.gradNode = { op, inputs, backward };
  }
  return out;
}

/** Adds two gradients; provided by the ops layer (kept as a hook to avoid an import cycle). */
let addGradients: ((a: Tensor, b: Tensor) => Tensor) | null = null;
let cloneGradient: ((a: Tensor) => Tensor) | null = null;
let onesLike: ((a: Tensor) => Tensor) | null = null;

export function setGradientArithmetic(fns: {
  add: (a: Tensor, b: Tensor) => Tensor;
  clone: (a: Tensor) => Tensor;
  onesLike: (a: Tensor) => Tensor;
}): void {
  addGradients = fns.add;
  cloneGradient = fns.clone;
  onesLike = fns.onesLike;
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.gradNode?.inputs ?? []) {
      if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
    }
  }
  return order; // inputs before outputs
}

/**
 * Accumulates d(root)/d(leaf) into `leaf.grad` for every leaf that requires a gradient.
 * `seed` defaults to ones for a one-element root.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!addGradients || !cloneGradient || !onesLike) {
    throw new EngineError('autograd: gradient arithmetic not registered (import engine/index.js)');
  }
  if (!root.requiresGrad)
    throw new EngineError(`backward of ${root.describe()}, which does not require grad`);
  if (!seed && root.size !== 1) {
    throw new EngineError(`backward of non-scalar ${root.describe()} needs an explicit seed gradient`);
  }
  const add = addGradients;
  const clone = cloneGradient;
  // Leaf gradients outlive the scope and are disposed on accumulation, so each leaf gets its own.
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, seed ?? onesLike!(root));
    const order = topologicalOrder(root);
    const owned = new Set<Tensor>(); // gradient tensors already stored, to avoid aliasing
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradNode;
      if (!node) {
        // A leaf: accumulate into .grad, which outlives the enclosing scope.
        const own = owned.has(g) ? clone(g) : g;
        owned.add(own);
        if (t.grad) {
          const sum = add(t.grad, own);
          t.grad.dispose();
          t.grad = keep(sum);
        } else {
          t.grad = keep(own);
        }
        continue;
      }
      const inputGrads = node.backward(g);
      if (inputGrads.length !== node.inputs.length) {
        throw new EngineError(`autograd: backward of '${node.op}' returned ${inputGrads.length} gradients`);
      }
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new EngineError(
            `autograd: '${node.op}' gave a gradient ${gi.describe()} for input ${input.describe()}`,
          );
        }
        const prev = grads.get(input);
        if (prev) grads.set(input, add(prev, gi));
        else grads.set(input, gi); // ops are functional, so a shared gradient object is never mutated
      });
    }
  });
}

/** Cuts `t` from the tape: same data, no gradient history. */
export function detach(t: Tensor): Tensor {
  const out = t.view(t.shape, t.strides, t.offset);
  return out;
}
