// `pointvis infer`: MinVIS video inference on a dataset, a frames folder or a video file,
// written as YouTube-VIS results (sharded and merged), with optional overlays.
export { type ImageSize, readImageSize } from './image-size';
export { folderVideoName, frameFolderVideo, listFrameFiles } from './frame-folder';
export { type ExtractFramesOptions, FfmpegMissingError, extractVideoFrames, findExecutable } from './ffmpeg';
export { checkCategoryCount, loadCategoriesFile, numberedCategories } from './categories';
export { type InferInput, type InferVideo, datasetInput, frameFolderInput, videoFileInput } from './inputs';
export { type InferenceSettings, inferenceSettingsFromConfig } from './settings';
export { type InferProgress, type InferRunOptions, type InferRunResult, runInference } from './run';
export {
  type InferShardMeta,
  type MergeInferenceResult,
  RESULTS_FILE,
  mergeInferenceShards,
  shardMetaFile,
  shardResultsFile,
} from './shards';
export { type Shard, parseShard } from '../proposals/shard';
export { type LoadedFrameModel, frameModelFn, loadFrameModel } from './image-model';
