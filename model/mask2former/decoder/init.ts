/**
 * The official initialisers of the transformer decoder (M2F_SEMANTICS.md §3.4), seeded: used
 * when training from scratch; a checkpoint overwrites them.
 */
import { type Tensor, tidy, writeInto, zeros } from '../../../engine/index.js';
import { c2XavierUniform, xavierUniform } from '../pixel-decoder/index.js';

/** Overwrites a parameter in place with xavier_uniform (gain 1), keeping its identity. */
export function assignXavierUniform(target: Tensor, seed: number): void {
  tidy(() => writeInto(target, xavierUniform(target.shape, seed)));
}

/** Overwrites a parameter in place with detectron2's c2_xavier_fill weight (kaiming_uniform, a = 1). */
export function assignC2XavierUniform(target: Tensor, seed: number): void {
  tidy(() => writeInto(target, c2XavierUniform(target.shape, seed)));
}

/** Overwrites a parameter in place with zeros. */
export function assignZeros(target: Tensor): void {
  tidy(() => writeInto(target, zeros(target.shape, target.dtype)));
}
