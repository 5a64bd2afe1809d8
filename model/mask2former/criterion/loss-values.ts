/**
 * Reading the loss terms back for logging and for the trainer's NaN/Inf check: one readback for
 * all terms, and the names of the terms that are not finite.
 */
import { type Tensor, reshape, stack, tidyAsync } from '../../../engine/index.js';

/** The value of every scalar term, read back in one transfer. */
export async function readLossTerms(terms: ReadonlyMap<string, Tensor>): Promise<Map<string, number>> {
  const names = [...terms.keys()];
  if (names.length === 0) return new Map();
  const data = await tidyAsync(async () => stack(names.map((n) => reshape(terms.get(n)!, []))).data());
  return new Map(names.map((n, i) => [n, data[i]!]));
}

/** Names of the terms whose value is NaN or ±Inf, in the order given. */
export function nonFiniteTerms(values: ReadonlyMap<string, number>): string[] {
  return [...values].filter(([, v]) => !Number.isFinite(v)).map(([n]) => n);
}
