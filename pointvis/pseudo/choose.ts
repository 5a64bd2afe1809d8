import {
  type CostNormalization,
  type CostWeights,
  type PresenceRule,
  hungarianBatched,
  tidyAsync,
} from '../../engine/index.js';
import {
  type AssignmentSolver,
  type MatcherVideo,
  buildPointCosts,
  matchProposals,
  viscSelect,
} from '../matcher';
import { proposalBits } from '../proposals/decode';
import { type PreparedVideo, frameScore, proposalScore } from './prepare';
import type { PseudoScore, PseudoVariant } from './types';

export interface ChooseOptions {
  variant: PseudoVariant;
  weights: CostWeights;
  score: PseudoScore;
  presence: PresenceRule;
  normalize: CostNormalization;
  viscK?: number;
  solver?: AssignmentSolver;
  /** Names the proposals in matcher errors. */
  source: string;
}

/** choice[object][frame]: the proposal whose mask becomes the pseudo label there, or -1. */
export type ObjectChoices = Int32Array[];

export const GPU_SOLVER: AssignmentSolver = { kind: 'gpu', solve: hungarianBatched };

/** A matching problem handed to the matcher and how to read its answer back. */
interface Problem {
  input: MatcherVideo;
  /** Which batch video, and the frames an object's proposal labels (given the object). */
  video: number;
  apply: (object: number, proposal: number, choices: ObjectChoices) => void;
}

function emptyChoices(v: PreparedVideo): ObjectChoices {
  return v.objects.map(() => new Int32Array(v.video.length).fill(-1));
}

function packed(v: PreparedVideo, proposals: number[], frames: number[]): MatcherVideo['proposals'] {
  const [H, W] = v.proposals.mask_size;
  return {
    bits: proposalBits(v.proposals, proposals, frames),
    shape: [proposals.length, frames.length, H, W],
  };
}

function pointFrame(v: PreparedVideo) {
  return { width: v.video.width, height: v.video.height };
}

/** PointVIS: one problem per video over all its frames; the proposal labels the object's present frames. */
function videoProblems(v: PreparedVideo, b: number, o: ChooseOptions): Problem[] {
  const entries = v.proposals.proposals;
  const all = entries.map((_, r) => r);
  const frames = Array.from({ length: v.video.length }, (_, t) => t);
  return [
    {
      input: {
        proposals: packed(v, all, frames),
        scores: entries.map((e) => proposalScore(e, o.score)),
        objects: v.objects,
        pointFrame: pointFrame(v),
      },
      video: b,
      apply: (j, r, choices) => {
        for (const t of v.present[j]!) choices[j]![t] = r;
      },
    },
  ];
}

/** PointVIS (PF): one problem per frame where some object shows up, scored by per-frame maskness. */
function frameProblems(v: PreparedVideo, b: number, o: ChooseOptions): Problem[] {
  const entries = v.proposals.proposals;
  const all = entries.map((_, r) => r);
  const problems: Problem[] = [];
  for (let t = 0; t < v.video.length; t++) {
    if (!v.present.some((frames) => frames.includes(t))) continue;
    problems.push({
      input: {
        proposals: packed(v, all, [t]),
        scores: entries.map((e) => frameScore(e, o.score, t)),
        objects: v.objects.map((obj) => ({ points: [obj.points[t] ?? null] })),
        pointFrame: pointFrame(v),
      },
      video: b,
      apply: (j, r, choices) => {
        choices[j]![t] = r;
      },
    });
  }
  return problems;
}

/**
 * VISC: the k proposals with the best score (confidence) are the labels on every frame; the
 * point costs only decide which object (so which category) each of them stands for.
 */
function viscProblems(v: PreparedVideo, b: number, o: ChooseOptions): Problem[] {
  const entries = v.proposals.proposals;
  const annotated = v.present.filter((frames) => frames.length > 0).length;
  const k = Math.min(o.viscK ?? annotated, entries.length);
  const chosen = viscSelect(
    entries.map((e) => proposalScore(e, o.score)),
    k,
  );
  if (chosen.length === 0) return [];
  const frames = Array.from({ length: v.video.length }, (_, t) => t);
  return [
    {
      input: {
        proposals: packed(v, chosen, frames),
        scores: chosen.map((r) => proposalScore(entries[r]!, o.score)),
        objects: v.objects,
        pointFrame: pointFrame(v),
      },
      video: b,
      apply: (j, i, choices) => choices[j]!.fill(chosen[i]!),
    },
  ];
}

const PROBLEMS = { pointvis: videoProblems, pf: frameProblems, visc: viscProblems };

/**
 * Matches a batch of videos: every problem's costs in one matcher call (one cost pass, one
 * batched Hungarian dispatch), then each object's proposal per frame.
 */
export async function chooseProposals(
  batch: readonly PreparedVideo[],
  o: ChooseOptions,
): Promise<ObjectChoices[]> {
  const choices = batch.map(emptyChoices);
  const problems: Problem[] = [];
  batch.forEach((v, b) => {
    if (v.proposals.proposals.length === 0 || v.present.every((f) => f.length === 0)) return;
    problems.push(...PROBLEMS[o.variant](v, b, o));
  });
  if (problems.length === 0) return choices;
  const matches = await tidyAsync(async () => {
    const costs = buildPointCosts(
      problems.map((p) => p.input),
      {
        weights: o.weights,
        normalize: o.normalize,
        presence: o.presence,
        skipUnannotated: true,
        source: o.source,
      },
    );
    return matchProposals(costs, o.solver ?? GPU_SOLVER);
  });
  for (const m of matches) {
    const problem = problems[m.video]!;
    m.objects.forEach((j, k) => {
      const r = m.proposalOf[k]!;
      if (r >= 0) problem.apply(j, r, choices[problem.video]!);
    });
  }
  return choices;
}
