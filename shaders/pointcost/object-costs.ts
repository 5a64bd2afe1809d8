import { kernel } from '../../engine/kernel.js';
import {
  OBJECT,
  OBJECT_FRAME,
  OBJECT_FRAME_STRIDE,
  OBJECT_STRIDE,
  POINT_STRIDE,
  PROBLEM,
  PROBLEM_STRIDE,
  SEGMENT,
  SEGMENT_STRIDE,
  maskBitAt,
} from './layout.js';
import { maskBitWgsl } from './mask-bit.js';
import type { PointCostTables } from './tables.js';

/**
 * Phase 2 of the point cost: one invocation per padded (problem b, object j, proposal r). Over
 * the frames where j is present it counts
 *   ann   = Σ own points [M_r(p) ≠ label(p)]
 *   cineg = Σ coverage[frame, r] − Σ own positive points M_r(p)
 * and writes cost = w_ann·ann·annScale + w_cineg·cineg·cinegScale − w_mask·score_r into
 * [B, maxJ, maxR] (plus ann and cineg themselves, scaled). Lanes of a workgroup share (b, j) and
 * take consecutive r, so coverage reads are coalesced and the object's records are broadcasts.
 * Cells outside a problem's J×R get `pad`.
 */
export const OBJECT_COSTS_WG = 64;

export const objectCostsKernel = kernel({
  name: 'pointcost_object_costs',
  bindings: [
    { name: 'bits', type: 'u32', access: 'read' },
    { name: 'tables', type: 'u32', access: 'read' },
    { name: 'coverage', type: 'u32', access: 'read' },
    { name: 'scores', type: 'f32', access: 'read' },
    { name: 'cost', type: 'f32', access: 'read_write' },
    { name: 'ann', type: 'f32', access: 'read_write' },
    { name: 'cineg', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'problems_at', type: 'u32' },
    { name: 'segments_at', type: 'u32' },
    { name: 'points_at', type: 'u32' },
    { name: 'objects_at', type: 'u32' },
    { name: 'object_frames_at', type: 'u32' },
    { name: 'slots', type: 'u32' }, // problems * max_j
    { name: 'max_j', type: 'u32' },
    { name: 'max_r', type: 'u32' },
    { name: 'r_chunks', type: 'u32' },
    { name: 'w_ann', type: 'f32' },
    { name: 'w_cineg', type: 'f32' },
    { name: 'w_mask', type: 'f32' },
    { name: 'pad', type: 'f32' },
  ],
  workgroupSize: [OBJECT_COSTS_WG, 1, 1],
  body: `
${maskBitWgsl}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  let slot = g / params.r_chunks;
  let r = (g % params.r_chunks) * WG_X + lid;
  if (slot >= params.slots || r >= params.max_r) { return; }
  let problem = slot / params.max_j;
  let j = slot % params.max_j;
  let out = slot * params.max_r + r;
  if (j >= problem_field(problem, ${PROBLEM.objects}u) || r >= problem_field(problem, ${PROBLEM.proposals}u)) {
    cost[out] = params.pad;
    ann[out] = params.pad;
    cineg[out] = params.pad;
    return;
  }
  let ww = problem_field(problem, ${PROBLEM.wordsPerRow}u);
  let o = params.objects_at + slot * ${OBJECT_STRIDE}u;
  var wrong = 0u;
  var frame_positives = 0u;
  var own_positives = 0u;
  let f1 = tables[o + ${OBJECT.frameEnd}u];
  for (var f = tables[o + ${OBJECT.frameStart}u]; f < f1; f++) {
    let e = params.object_frames_at + f * ${OBJECT_FRAME_STRIDE}u;
    let seg = tables[e + ${OBJECT_FRAME.segment}u];
    frame_positives += coverage[seg * params.max_r + r];
    let base = frame_base(problem, r, tables[params.segments_at + seg * ${SEGMENT_STRIDE}u + ${SEGMENT.frame}u]);
    let p1 = tables[e + ${OBJECT_FRAME.ownEnd}u];
    for (var p = tables[e + ${OBJECT_FRAME.ownStart}u]; p < p1; p++) {
      let q = params.points_at + p * ${POINT_STRIDE}u;
      let bit = mask_bit(base, ww, tables[q]);
      let label = tables[q + 1u] & 1u;
      wrong += bit ^ label;
      own_positives += bit & label;
    }
  }
  let a = f32(wrong) * bitcast<f32>(tables[o + ${OBJECT.annScale}u]);
  let c = f32(frame_positives - own_positives) * bitcast<f32>(tables[o + ${OBJECT.cinegScale}u]);
  let score = scores[problem_field(problem, ${PROBLEM.scoreOffset}u) + r * problem_field(problem, ${PROBLEM.scoreStride}u)];
  cost[out] = params.w_ann * a + params.w_cineg * c - params.w_mask * score;
  ann[out] = a;
  cineg[out] = c;
}
`,
});

export interface CostWeights {
  /** λ1, on L_ann. */
  readonly ann: number;
  /** λ2, on L_cineg. */
  readonly cineg: number;
  /** λ3, on L_maskness = −score. */
  readonly maskness: number;
}

export interface CostPlanes {
  cost: number[];
  ann: number[];
  cineg: number[];
}

/** CPU reference of the phase-2 kernel on the same tables and phase-1 coverage. */
export function objectCostsReference(
  tables: PointCostTables,
  bits: ArrayLike<number>,
  coverage: ArrayLike<number>,
  scores: ArrayLike<number>,
  weights: CostWeights,
  pad: number,
): CostPlanes {
  const { words, maxObjects, maxProposals } = tables;
  const n = tables.problemCount * maxObjects * maxProposals;
  const planes: CostPlanes = {
    cost: new Array<number>(n).fill(pad),
    ann: new Array<number>(n).fill(pad),
    cineg: new Array<number>(n).fill(pad),
  };
  const f32 = new Float32Array(words.buffer, words.byteOffset, words.length);
  for (let b = 0; b < tables.problemCount; b++) {
    const pr = tables.problemsAt + b * PROBLEM_STRIDE;
    const field = (f: number) => words[pr + f]!;
    for (let j = 0; j < field(PROBLEM.objects); j++) {
      const slot = b * maxObjects + j;
      const o = tables.objectsAt + slot * OBJECT_STRIDE;
      for (let r = 0; r < field(PROBLEM.proposals); r++) {
        let wrong = 0;
        let framePositives = 0;
        let ownPositives = 0;
        for (let f = words[o + OBJECT.frameStart]!; f < words[o + OBJECT.frameEnd]!; f++) {
          const e = tables.objectFramesAt + f * OBJECT_FRAME_STRIDE;
          const seg = words[e + OBJECT_FRAME.segment]!;
          framePositives += coverage[seg * maxProposals + r]!;
          const t = words[tables.segmentsAt + seg * SEGMENT_STRIDE + SEGMENT.frame]!;
          for (let p = words[e + OBJECT_FRAME.ownStart]!; p < words[e + OBJECT_FRAME.ownEnd]!; p++) {
            const q = tables.pointsAt + p * POINT_STRIDE;
            const yx = words[q]!;
            const label = words[q + 1]! & 1;
            const bit = maskBitAt(
              bits,
              field(PROBLEM.maskOffset),
              field(PROBLEM.proposalStride),
              field(PROBLEM.height),
              field(PROBLEM.width),
              r,
              t,
              yx >>> 16,
              yx & 0xffff,
            );
            if (bit !== label) wrong++;
            ownPositives += bit & label;
          }
        }
        const a = wrong * f32[o + OBJECT.annScale]!;
        const c = (framePositives - ownPositives) * f32[o + OBJECT.cinegScale]!;
        const score = scores[field(PROBLEM.scoreOffset) + r * field(PROBLEM.scoreStride)]!;
        const i = slot * maxProposals + r;
        planes.cost[i] = weights.ann * a + weights.cineg * c - weights.maskness * score;
        planes.ann[i] = a;
        planes.cineg[i] = c;
      }
    }
  }
  return planes;
}
