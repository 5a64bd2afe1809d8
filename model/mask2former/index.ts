// The whole Mask2Former: model (official names), from-config, train step, inference.
export { Mask2Former, MaskFormerHead, type Mask2FormerOptions, type Mask2FormerOutput } from './model.js';
export { criterionFromConfig, mask2formerFromConfig, mask2formerOptionsFromConfig } from './from-config.js';
export {
  NonFiniteLossError,
  type TrainBatch,
  type TrainStepOptions,
  type TrainStepResult,
  checkLossValues,
  disposeTrainBatch,
  disposeTrainStepResult,
  mask2formerTask,
  weightedTerms,
  readTrainStepValues,
  trainStep,
  uploadTrainBatch,
} from './train-step.js';
export {
  type ImageInferenceInput,
  type ImageInstances,
  type InstanceInferenceOptions,
  cocoResults,
  imageInstances,
  instanceInference,
  unpackMask,
} from './inference.js';
