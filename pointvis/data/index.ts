// Training data: samples from COCO / YouTube-VIS / pseudo-label / point files, seeded
// augmentation, an epoch sampler that resumes exactly, prefetching, and batching into tensors.
export type { ImageSample, MaskInstance, PointObject, SampleOrigin, SampleSource } from './types';
export type { AnnotationInput } from './annotation-input';
export { CategoryMap } from './category-map';
export { CocoSource, type CocoSourceOptions } from './coco-source';
export { YtvisMaskSource, type YtvisMaskSourceOptions } from './ytvis-mask-source';
export { YtvisPointSource, type YtvisPointSourceOptions } from './ytvis-point-source';
export { pseudoLabelSource, type PseudoLabelSourceOptions } from './pseudo-label-source';
export { type FrameSampling, pointAnnotatedFrames } from './video-frames';
export {
  type AugmentConfig,
  type AugmentPlan,
  type AugmentKey,
  planAugment,
  applyAugment,
  augmentSample,
  mapPoint,
  shortEdgeSize,
  type ShortEdgeAugment,
} from './augment';
export { type LsjAugment, LSJ_PAD_VALUE, lsjResizedSize } from './lsj';
export {
  type CollateOptions,
  type HostBatch,
  type HostTarget,
  type HostPoints,
  IMAGENET_COLLATE,
  assembleBatch,
  paddedSize,
} from './assemble-batch';
export {
  type Batch,
  type BatchTarget,
  type BatchPoints,
  uploadBatch,
  collate,
  disposeBatch,
} from './upload-batch';
export { EpochSampler, type SamplerState, type SampledItem, type SamplerOptions } from './sampler';
export { TrainLoader, type TrainLoaderOptions, type LoadedBatch, loadTrainingSample } from './train-loader';
