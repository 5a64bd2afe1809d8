import { kernel } from '../../engine/kernel.js';
import { POINT_STRIDE, PROBLEM, PROBLEM_STRIDE, SEGMENT, SEGMENT_STRIDE, maskBitAt } from './layout.js';
import { maskBitWgsl } from './mask-bit.js';
import type { PointCostTables } from './tables.js';

/**
 * Phase 1 of the point cost: for every (segment = problem and frame with points, proposal r),
 * how many of the frame's POSITIVE points (of all objects) r covers:
 *   coverage[segment, r] = Σ_{p in frame, label 1} M_r(p).
 * One invocation per (segment, r); the segment's points are read by all lanes (a broadcast),
 * each lane reads its own proposal's bit. The cross-instance negative cost of object j is then
 * Σ over j's present frames of coverage minus j's own covered positives (phase 2), which keeps
 * the work linear in the points instead of quadratic in the objects.
 */
export const COVERAGE_WG = 64;

export const coverageKernel = kernel({
  name: 'pointcost_frame_coverage',
  bindings: [
    { name: 'bits', type: 'u32', access: 'read' },
    { name: 'tables', type: 'u32', access: 'read' },
    { name: 'coverage', type: 'u32', access: 'read_write' },
  ],
  params: [
    { name: 'problems_at', type: 'u32' },
    { name: 'segments_at', type: 'u32' },
    { name: 'points_at', type: 'u32' },
    { name: 'segments', type: 'u32' },
    { name: 'max_r', type: 'u32' },
    { name: 'r_chunks', type: 'u32' },
  ],
  workgroupSize: [COVERAGE_WG, 1, 1],
  body: `
${maskBitWgsl}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  let seg = g / params.r_chunks;
  let r = (g % params.r_chunks) * WG_X + lid;
  if (seg >= params.segments || r >= params.max_r) { return; }
  let s = params.segments_at + seg * ${SEGMENT_STRIDE}u;
  let problem = tables[s + ${SEGMENT.problem}u];
  var covered = 0u;
  if (r < problem_field(problem, ${PROBLEM.proposals}u)) {
    let base = frame_base(problem, r, tables[s + ${SEGMENT.frame}u]);
    let ww = problem_field(problem, ${PROBLEM.wordsPerRow}u);
    let p1 = tables[s + ${SEGMENT.pointEnd}u];
    for (var p = tables[s + ${SEGMENT.pointStart}u]; p < p1; p++) {
      let q = params.points_at + p * ${POINT_STRIDE}u;
      let positive = tables[q + 1u] & 1u;
      if (positive == 1u) { covered += mask_bit(base, ww, tables[q]); }
    }
  }
  coverage[seg * params.max_r + r] = covered;
}
`,
});

/** CPU reference of the coverage kernel on the same tables: [segments, maxProposals]. */
export function coverageReference(tables: PointCostTables, bits: ArrayLike<number>): number[] {
  const { words, maxProposals } = tables;
  const out = new Array<number>(tables.segmentCount * maxProposals).fill(0);
  for (let seg = 0; seg < tables.segmentCount; seg++) {
    const s = tables.segmentsAt + seg * SEGMENT_STRIDE;
    const pr = tables.problemsAt + words[s + SEGMENT.problem]! * PROBLEM_STRIDE;
    const field = (f: number) => words[pr + f]!;
    for (let r = 0; r < field(PROBLEM.proposals); r++) {
      let covered = 0;
      for (let p = words[s + SEGMENT.pointStart]!; p < words[s + SEGMENT.pointEnd]!; p++) {
        const q = tables.pointsAt + p * POINT_STRIDE;
        if ((words[q + 1]! & 1) === 0) continue;
        const yx = words[q]!;
        covered += maskBitAt(
          bits,
          field(PROBLEM.maskOffset),
          field(PROBLEM.proposalStride),
          field(PROBLEM.height),
          field(PROBLEM.width),
          r,
          words[s + SEGMENT.frame]!,
          yx >>> 16,
          yx & 0xffff,
        );
      }
      out[seg * maxProposals + r] = covered;
    }
  }
  return out;
}
