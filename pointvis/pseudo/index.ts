// Pseudo labels from proposals and points (paper §3.2): the point-based matcher over a dataset,
// its PF and VISC variants, the YouTube-VIS output, its mIoU against ground truth, and shards.
export type { PseudoOptions, PseudoScore, PseudoSummary, PseudoVariant } from './types';
export { PAPER_LAMBDA, parseLambda } from './lambda';
export { type PointAnnotations, loadPointAnnotations, parsePointAnnotations } from './points-input';
export {
  type PreparedVideo,
  checkProposalsMatchVideo,
  frameScore,
  prepareVideo,
  proposalScore,
} from './prepare';
export { type ChooseOptions, type ObjectChoices, GPU_SOLVER, chooseProposals } from './choose';
export { type LabelCounts, videoLabels, zeroCounts } from './labels';
export {
  type GroundTruthLookup,
  type IouTotals,
  addVideoIou,
  groundTruthFrom,
  hasSegmentations,
} from './miou';
export { type PseudoRunOptions, type PseudoRunResult, runPseudoLabels } from './run';
export { mergePseudoShards, shardOutputPath, summaryPath, writePseudoLabels } from './files';
export {
  type GroundTruthInput,
  type PseudoStageOptions,
  type PseudoStageResult,
  groundTruthOfPoints,
  loadGroundTruth,
  makePseudoLabels,
} from './stage';
export { formatPseudoSummary } from './format';
