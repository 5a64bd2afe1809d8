import type { Tensor } from './tensor.js';

/**
 * Scopes free intermediates automatically: every tensor created inside `tidy` is disposed when
 * it returns, except the tensors in its return value (handed to the enclosing scope) and those
 * passed to `keep` (which then belong to the caller). Backward passes must run inside the scope
 * of their forward pass, since the tape holds the forward's tensors.
 */
const stack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

/** Removes `t` from every scope: it survives them all and its owner must dispose it. */
export function keep<T extends Tensor>(t: T): T {
  for (const scope of stack) scope.delete(t);
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, isTensor);
  }
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { __tensor?: boolean }).__tensor === true;
}

function close(scope: Set<Tensor>, result: unknown): void {
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, isTensorLike);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (survivors.has(t)) parent?.add(t);
    else t.dispose();
  }
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    stack.pop();
    close(scope, undefined);
    throw err;
  }
  stack.pop();
  close(scope, result);
  return result;
}

/** `tidy` for async bodies (a training step that reads its loss back). Don't interleave two. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    stack.splice(stack.indexOf(scope), 1);
    close(scope, undefined);
    throw err;
  }
  stack.splice(stack.indexOf(scope), 1);
  close(scope, result);
  return result;
}

export function scopeDepth(): number {
  return stack.length;
}
