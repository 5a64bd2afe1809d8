// Class-agnostic spatio-temporal proposals (paper §3.2, eq. 1) from a per-frame image model with
// MinVIS tracking, stored compactly per video (README.md), sharded and merged.
export * from './types';
export { encodeProposals, keepTopProposals, roundScore, type SoftChunk } from './encode';
export {
  type ProposalMaskSize,
  type VideoProposalOptions,
  resolveMaskSize,
  trackedVideoProposals,
  videoProposals,
} from './generate';
export { type FrameInputOptions, type VideoInput, videoInput } from './frames';
export { type FrameGetter, videoFrameInput } from './frame-tensors';
export { parseVideoProposals } from './parse';
export {
  INDEX_FILE,
  ProposalStore,
  readVideoProposals,
  videoProposalFileName,
  writeVideoProposals,
} from './store';
export { type Shard, WHOLE, inShard, parseShard, shardTag } from './shard';
export { type ProposalRunOptions, type ProposalRunResult, proposalSettings, runProposals } from './run';
export { type MergeOptions, mergeProposalShards } from './merge';
export { decodeProposalFrame, proposalBits } from './decode';
export { parseMaskSize, proposalSettingsFromConfig } from './settings';
