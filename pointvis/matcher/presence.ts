import { type PresenceRule, framePresent } from '../../engine/index.js';
import type { LabeledPoint } from '../formats/types';
import type { MatcherObject } from './types';

/** Labelled points as {label} records, the form the presence rule reads. */
function asLabelled(points: readonly LabeledPoint[] | null | undefined): { label: number }[] | null {
  return points ? points.map((p) => ({ label: p[2] })) : null;
}

/**
 * Frames where the object shows up: those with annotated points ('any-point'), or with at least
 * one positive point ('positive-point', what a positive-only scheme can tell). Matching costs are
 * computed over these frames only, and pseudo labels are kept on these frames only: a frame
 * annotated as absent ([]) or not annotated (null) loses the object's pseudo label.
 */
export function presentFrames(object: MatcherObject, rule: PresenceRule = 'any-point'): number[] {
  const frames: number[] = [];
  object.points.forEach((points, t) => {
    if (framePresent(asLabelled(points), rule)) frames.push(t);
  });
  return frames;
}

/** For each object, the frames whose pseudo label is kept after matching. */
export function pseudoLabelFrames(
  objects: readonly MatcherObject[],
  rule: PresenceRule = 'any-point',
): number[][] {
  return objects.map((o) => presentFrames(o, rule));
}
