// Simulated point annotations (the paper's P1 / P10 / P1N1 / P5N5 schemes) from mask ground truth.
export { annotatePoints, POINTS_GENERATOR } from './annotate';
export type { PointOptions, PointSummary } from './annotate';
export { parsePointScheme, PAPER_POINT_SCHEMES } from './schemes';
export type { PointScheme } from './schemes';
export { subsampleFrames, subsampledFrameCount, roundHalfEven } from './subsample';
export { squaredDistanceToBackground } from './distance-transform';
export { maskBox, negativeSourceOf, randomPositives, dtPositives, sampleNegatives } from './sample';
export type { PixelBox, PixelPick, NegativePick, PositiveRule, NegativeRule, NegativeSource } from './sample';
