// Checkpoints: official names, weights loading, training checkpoints (bytes; files in pointvis/io).
export {
  type OfficialArchitecture,
  type OfficialEntry,
  SWIN_T_COCO,
  isDerivedStateName,
  officialMask2FormerState,
  officialParameterNames,
} from './official-names.js';
export { type LoadWeightsOptions, loadWeights, modelTensorsOf } from './load-weights.js';
export {
  CHECKPOINT_FORMAT,
  type CheckpointState,
  OPTIMIZER_PREFIX,
  type ParsedCheckpoint,
  type RestoredCheckpoint,
  type RngState,
  checkpointParts,
  parseCheckpoint,
  restoreCheckpoint,
  serializeCheckpoint,
  splitCheckpoint,
} from './training-checkpoint.js';
