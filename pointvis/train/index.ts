// The generic trainer: loop, parameter groups, checkpoints, metrics, resume (Node: writes files).
export { type TrainOptions, train } from './trainer.js';
export type {
  BatchStream,
  OpenBatchStream,
  StreamedBatch,
  TrainProgress,
  TrainResult,
  TrainTask,
} from './types.js';
export { TrainingDivergedError, TrainingSetupError } from './errors.js';
export {
  type DecayRule,
  type NamedParamGroup,
  type OptimizerSolver,
  type ParamAssignment,
  type ParamGroupSolver,
  assignParameters,
  buildOptimizer,
  buildParamGroups,
} from './param-groups.js';
export {
  CHECKPOINTS_FOLDER,
  CheckpointDir,
  FINAL_MODEL_FILE,
  LAST_CHECKPOINT_FILE,
  type SavedCheckpoint,
  checkpointFileName,
} from './checkpoint-dir.js';
export { METRICS_FILE, type MetricsRecord, MetricsLog } from './metrics-log.js';
export { type StepRecord, StepHistory, firstNonFinite } from './step-history.js';
export { type PointTargetTables, pointTargetTables } from './point-baseline/point-targets.js';
export {
  type PointCriterionOptions,
  type PointCriterionResult,
  PointBaselineCriterion,
} from './point-baseline/point-criterion.js';
export { Mask2FormerMaskTask, Mask2FormerPointTask } from './mask2former-tasks.js';
export {
  augmentFromInput,
  checkClassCount,
  collateFromModel,
  frameRatioFilter,
  loaderStream,
} from './data-setup.js';
export { type TrainDataPaths, resolveTrainData } from './data-paths.js';
export { loadInitialWeights } from './init-weights.js';
export {
  type PointBaseline,
  type VideoSupervision,
  type VideoTraining,
  checkVideoTrainingConfig,
  videoTraining,
} from './video-training.js';
export { type ImageTraining, checkImageTrainingConfig, imageTraining } from './image-training.js';
export { type TrainState, trainRunState } from './run-state.js';
