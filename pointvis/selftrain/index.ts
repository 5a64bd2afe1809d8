// Self-training rounds (paper §3): proposals from the current video model, pseudo labels with the
// confidence score, training again from the current weights (run.ts says why).
export {
  type RoundReport,
  REPORT_FILE,
  type SelfTrainOptions,
  type SelfTrainResult,
  type StageOutcome,
  formatRoundReport,
  lastLoggedMetrics,
  runSelfTraining,
} from './run';
export {
  type RoundPaths,
  type TrainState,
  existingRounds,
  proposalsComplete,
  pseudoComplete,
  roundPaths,
  trainState,
} from './layout';
export { matcherLambda, roundCount, selfTrainingMatcher } from './settings';
