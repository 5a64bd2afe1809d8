/**
 * The point-matching cost straight from its definition (paper §3.2, eq. 3–4), in float64, with
 * no tables, no phases and no bit packing: the reference the whole GPU chain is tested against.
 */
import type { CostPlanes, CostWeights } from './object-costs.js';
import { type CostNormalization, type PointCostObject, type PresenceRule, framePresent } from './tables.js';

export interface DefinitionProblem {
  readonly proposals: number;
  readonly frames: number;
  /** Binarised proposal r at frame t, pixel row y, column x: 1 or 0. */
  readonly mask: (r: number, t: number, y: number, x: number) => number;
  /** Maskness (or confidence) per proposal. */
  readonly scores: ArrayLike<number>;
  readonly objects: readonly PointCostObject[];
}

export interface DefinitionOptions {
  weights: CostWeights;
  normalize: CostNormalization;
  presence: PresenceRule;
  pad: number;
}

/** Padded [B, maxJ, maxR] planes: cost = λ1 L_ann + λ2 L_cineg − λ3 score. */
export function pointCostDefinitionReference(
  problems: readonly DefinitionProblem[],
  options: DefinitionOptions,
): CostPlanes & { maxObjects: number; maxProposals: number } {
  const maxObjects = problems.reduce((m, p) => Math.max(m, p.objects.length), 0);
  const maxProposals = problems.reduce((m, p) => Math.max(m, p.proposals), 0);
  const n = problems.length * maxObjects * maxProposals;
  const out = {
    cost: new Array<number>(n).fill(options.pad),
    ann: new Array<number>(n).fill(options.pad),
    cineg: new Array<number>(n).fill(options.pad),
    maxObjects,
    maxProposals,
  };
  problems.forEach((p, b) => {
    p.objects.forEach((obj, j) => {
      const present = (t: number) => framePresent(obj.frames[t], options.presence);
      let annPoints = 0;
      let cinegPoints = 0;
      for (let t = 0; t < p.frames; t++) {
        if (!present(t)) continue;
        annPoints += obj.frames[t]!.length;
        p.objects.forEach((other, i) => {
          if (i !== j) for (const q of other.frames[t] ?? []) cinegPoints += q.label;
        });
      }
      for (let r = 0; r < p.proposals; r++) {
        let ann = 0;
        let cineg = 0;
        for (let t = 0; t < p.frames; t++) {
          if (!present(t)) continue;
          for (const q of obj.frames[t]!) if (p.mask(r, t, q.y, q.x) !== q.label) ann++;
          p.objects.forEach((other, i) => {
            if (i === j) return;
            for (const q of other.frames[t] ?? []) if (q.label === 1 && p.mask(r, t, q.y, q.x) === 1) cineg++;
          });
        }
        if (options.normalize === 'points') {
          ann = annPoints > 0 ? ann / annPoints : 0;
          cineg = cinegPoints > 0 ? cineg / cinegPoints : 0;
        }
        const i = (b * maxObjects + j) * maxProposals + r;
        out.ann[i] = ann;
        out.cineg[i] = cineg;
        out.cost[i] =
          options.weights.ann * ann + options.weights.cineg * cineg - options.weights.maskness * p.scores[r]!;
      }
    });
  });
  return out;
}
