import type { Tensor } from '../../engine/index.js';
import type { CostProblemInfo, PointCosts } from './types';

/**
 * An assignment solver, injected so tests can use a brute-force one and training the GPU one:
 * - cpu: like `linearSumAssignment`, given each problem's unpadded J×R cost matrix, returns for
 *   each row its column (or -1 when it gets none);
 * - gpu: like `hungarianBatched`, given the padded f32 [B, maxJ, maxR] costs and i32 [B, 2]
 *   sizes, returns i32 [B, maxJ] columns (-1 where none).
 */
export type AssignmentSolver =
  | { readonly kind: 'cpu'; readonly solve: (costs: number[][][]) => Promise<number[][]> }
  | { readonly kind: 'gpu'; readonly solve: (costs: Tensor, sizes: Tensor) => Tensor };

export interface ProblemMatch extends CostProblemInfo {
  /** proposals[j]: the proposal matched to object `objects[j]`, or -1. */
  readonly proposalOf: readonly number[];
  /** The matched cell's cost (NaN when unmatched). */
  readonly costOf: readonly number[];
}

function checkAssignment(row: readonly number[] | undefined, p: CostProblemInfo, b: number): number[] {
  const J = p.objects.length;
  if (!row || row.length < J)
    throw new RangeError(`assignment solver: problem ${b} needs ${J} rows, got ${row?.length}`);
  const used = new Set<number>();
  return row.slice(0, J).map((c) => {
    if (!Number.isInteger(c) || c < -1 || c >= p.proposals) {
      throw new RangeError(`assignment solver: problem ${b} assigned column ${c} of ${p.proposals}`);
    }
    if (c >= 0 && used.has(c))
      throw new RangeError(`assignment solver: problem ${b} assigned column ${c} twice`);
    used.add(c);
    return c;
  });
}

/**
 * Solves every problem's bipartite matching (paper eq. 2) and returns, per problem, the proposal
 * chosen for each object. Reads the costs back to the CPU once.
 */
export async function matchProposals(costs: PointCosts, solver: AssignmentSolver): Promise<ProblemMatch[]> {
  const { maxObjects: J, maxProposals: R } = costs;
  const flat = await costs.cost.data();
  const cell = (b: number, j: number, r: number) => flat[(b * J + j) * R + r]!;
  let rows: number[][];
  if (solver.kind === 'cpu') {
    const matrices = costs.problems.map((p, b) =>
      p.objects.map((_, j) => Array.from({ length: p.proposals }, (_, r) => cell(b, j, r))),
    );
    rows = await solver.solve(matrices);
    if (rows.length !== costs.problems.length) {
      throw new RangeError(`assignment solver: ${rows.length} results for ${costs.problems.length} problems`);
    }
  } else {
    const assigned = solver.solve(costs.cost, costs.sizes);
    try {
      const data = await assigned.data();
      rows = costs.problems.map((_, b) => Array.from(data.subarray(b * J, (b + 1) * J)));
    } finally {
      assigned.dispose();
    }
  }
  return costs.problems.map((p, b) => {
    const proposalOf = checkAssignment(rows[b], p, b);
    return { ...p, proposalOf, costOf: proposalOf.map((r, j) => (r >= 0 ? cell(b, j, r) : NaN)) };
  });
}

/** Spatio-temporal matches as [video][object] → proposal (-1 for objects left unmatched). */
export function assignmentsByVideo(
  matches: readonly ProblemMatch[],
  objectCounts: readonly number[],
): number[][] {
  const out = objectCounts.map((n) => new Array<number>(n).fill(-1));
  for (const m of matches) m.objects.forEach((j, k) => (out[m.video]![j] = m.proposalOf[k]!));
  return out;
}

/** Per-frame matches as [video][object][frame] → proposal (-1 where the object was not matched). */
export function assignmentsByFrame(
  matches: readonly ProblemMatch[],
  videos: readonly { objects: number; frames: number }[],
): number[][][] {
  const out = videos.map((v) =>
    Array.from({ length: v.objects }, () => new Array<number>(v.frames).fill(-1)),
  );
  for (const m of matches) {
    if (m.frame === null) continue;
    m.objects.forEach((j, k) => (out[m.video]![j]![m.frame!] = m.proposalOf[k]!));
  }
  return out;
}
