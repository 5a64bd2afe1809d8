// The point-based matcher (paper §3.2): costs between annotated objects and class-agnostic
// proposals, the bipartite matching on top, the per-frame (PF) variant and the VISC baseline.
export type {
  CostProblemInfo,
  MaskShape,
  MatcherObject,
  MatcherOptions,
  MatcherVideo,
  PointCosts,
  ProposalMasks,
} from './types';
export { buildPointCosts, buildPerFramePointCosts } from './build-costs';
export { matchProposals, assignmentsByVideo, assignmentsByFrame } from './match';
export type { AssignmentSolver, ProblemMatch } from './match';
export { presentFrames, pseudoLabelFrames } from './presence';
export { toPixelPoint } from './pixel-points';
export type { PointGrid } from './pixel-points';
export { packMaskBits, masknessCpu } from './cpu-pack';
export { assembleProposalBank } from './proposal-bank';
export type { ProposalBank, VideoBlock } from './proposal-bank';
export { viscSelect } from './visc';
export { videoObjects } from './objects';
