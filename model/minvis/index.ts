// MinVIS video inference on a per-frame image model: query tracking, window inference, video
// scoring, YouTube-VIS results, and PointVIS's class-agnostic proposals.
export type {
  FrameOutputs,
  TrackedChunk,
  TrackedVideo,
  VideoGeometry,
  VideoInstances,
  VideoProposals,
} from './types.js';
export { l2Normalize, trackQueries } from './track.js';
export {
  DEFAULT_WINDOW_SIZE,
  type FrameSource,
  type ImageModelFn,
  type WindowInferenceOptions,
  runWindowInference,
} from './window.js';
export {
  DEFAULT_RESIZE_BUDGET,
  type ResizeOptions,
  forEachResizedChunk,
  resizeMaskLogits,
} from './resize.js';
export {
  DEFAULT_TOPK_PER_VIDEO,
  type ScoreVideoOptions,
  type TopkPicks,
  scoreVideo,
  topkPicks,
  videoClassProbabilities,
  videoConfidence,
} from './scoring.js';
export { type ProposalOptions, defaultProposalSize, minvisProposals } from './proposals.js';
export { instanceFrameMask, videoResults } from './results.js';
export { paddedGeometry } from './geometry.js';
export {
  type MinvisInferenceSettings,
  minvisSettingsFromConfig,
  minvisSettingsFromVideoConfig,
} from './from-config.js';
