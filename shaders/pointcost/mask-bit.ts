import { PROBLEM, PROBLEM_STRIDE } from './layout.js';

/**
 * WGSL helpers shared by the point-cost kernels: reading a problem field and one proposal's
 * mask bit at a point. Expects bindings `tables` and `bits` and the param `problems_at`.
 */
export const maskBitWgsl = `
fn problem_field(problem: u32, field: u32) -> u32 {
  return tables[params.problems_at + problem * ${PROBLEM_STRIDE}u + field];
}

// Word of proposal r, frame t, row 0 of problem \`problem\`.
fn frame_base(problem: u32, r: u32, t: u32) -> u32 {
  let height = problem_field(problem, ${PROBLEM.height}u);
  let ww = problem_field(problem, ${PROBLEM.wordsPerRow}u);
  return problem_field(problem, ${PROBLEM.maskOffset}u) + r * problem_field(problem, ${PROBLEM.proposalStride}u)
    + t * height * ww;
}

// The mask bit at a point record's pixel ((y << 16) | x) in the frame starting at \`base\`.
fn mask_bit(base: u32, ww: u32, yx: u32) -> u32 {
  let x = yx & 0xffffu;
  let y = yx >> 16u;
  return (bits[base + y * ww + (x >> 5u)] >> (x & 31u)) & 1u;
}
`;
