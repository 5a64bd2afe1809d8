// Mask2Former's Hungarian matcher and SetCriterion, batched on the GPU.
export {
  type CriterionResult,
  type ExplicitPoints,
  type PointCounts,
  type SetCriterionOptions,
  SetCriterion,
} from './set-criterion.js';
export { type MatcherOptions, HungarianMatcher } from './matcher.js';
export { type SetTargets, type TargetLayout, stackTargets, targetLayout } from './targets.js';
export {
  compactSelected,
  gatherPoints,
  smallestMagnitudeIndices,
  smallestMagnitudeMask,
} from './point-selection.js';
export { nonFiniteTerms, readLossTerms } from './loss-values.js';
export { setCriterionOptionsFromConfig } from './from-config.js';
