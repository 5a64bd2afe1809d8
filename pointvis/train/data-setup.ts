/**
 * From a run config to the training input stream: the augmentation of `input`, the batch
 * normalisation of `model`, MinVIS's frame subsampling of `video`, and a TrainLoader opened at
 * a recorded sampler state.
 */
import type { InputConfig, ModelConfig, PointvisConfig } from '../../model/config/index.js';
import {
  type AugmentConfig,
  type CategoryMap,
  type CollateOptions,
  type LoadedBatch,
  type SampleSource,
  type SamplerState,
  TrainLoader,
} from '../data/index.js';
import { PointvisDataError } from '../errors.js';
import type { YtvisDataset } from '../formats/types.js';
import { subsampleFrames } from '../points/index.js';
import { TrainingSetupError } from './errors.js';
import type { OpenBatchStream } from './types.js';

/**
 * The augmentation of the input section: COCO large-scale jitter (`lsj`, Mask2Former's
 * `coco_instance_lsj`) or detectron2's ResizeShortestEdge + RandomFlip.
 */
export function augmentFromInput(input: InputConfig): AugmentConfig {
  const flip = input.randomFlip === 'horizontal';
  if (input.trainAugmentation === 'lsj') {
    return {
      kind: 'lsj',
      imageSize: input.imageSize,
      minScale: input.minScale,
      maxScale: input.maxScale,
      flip,
    };
  }
  return {
    shortEdge: input.minSizeTrain,
    shortEdgeSampling: input.minSizeTrainSampling,
    maxSize: input.maxSizeTrain,
    flip,
    crop: null,
  };
}

export function collateFromModel(model: ModelConfig): CollateOptions {
  return { pixelMean: model.pixelMean, pixelStd: model.pixelStd, sizeDivisibility: model.sizeDivisibility };
}

/** The classes of the data must be the classes of the model. */
export function checkClassCount(categories: CategoryMap, config: PointvisConfig, file: string): void {
  if (categories.size !== config.model.numClasses) {
    throw new TrainingSetupError(
      `${file} has ${categories.size} categories (ids ${categories.ids.join(', ')}), the model has ` +
        `model.numClasses ${config.model.numClasses}: pass model.numClasses=${categories.size} or use a matching config`,
    );
  }
}

/**
 * Training data in which no frame has a single target (no sample at all, or only frames where
 * every object is absent) is bad input: refuse it naming the file and `why`, rather than train
 * a model on nothing or stop at the sampler's bare "0 samples".
 */
export function checkHasTargets(
  frames: { readonly entries: readonly { readonly objects: readonly unknown[] }[] },
  file: string,
  why: string,
): void {
  if (!frames.entries.some((entry) => entry.objects.length > 0)) {
    throw new PointvisDataError(`no training targets: ${why}`, { file });
  }
}

/**
 * MinVIS's sparse-frame training (`video.samplingFrameRatio` < 1): only the frames
 * subsampleFrames picks per video are samples; null keeps every frame.
 */
export function frameRatioFilter(
  videos: YtvisDataset['videos'],
  ratio: number,
): ((videoId: number, frame: number) => boolean) | null {
  if (ratio >= 1) return null;
  const kept = new Map(videos.map((v) => [v.id, new Set(subsampleFrames(v.length, ratio))]));
  return (videoId, frame) => kept.get(videoId)?.has(frame) ?? false;
}

function isSamplerState(v: unknown): v is SamplerState {
  const s = v as SamplerState;
  return (
    typeof v === 'object' && v !== null && Number.isSafeInteger(s.epoch) && Number.isSafeInteger(s.position)
  );
}

/** A TrainLoader over `source` as the trainer's reopenable stream. */
export function loaderStream(
  source: SampleSource,
  config: PointvisConfig,
  options: { prefetch?: number } = {},
): OpenBatchStream<LoadedBatch> {
  const augment = augmentFromInput(config.input);
  const collate = collateFromModel(config.model);
  return (state) => {
    if (state !== null && !isSamplerState(state)) {
      throw new TrainingSetupError(
        `the checkpoint's data state ${JSON.stringify(state)} is not a sampler state`,
      );
    }
    const loader = new TrainLoader({
      source,
      batchSize: config.solver.imsPerBatch,
      seed: config.seed,
      augment,
      collate,
      prefetch: options.prefetch,
      state: state ?? undefined,
    });
    return {
      next: async () => {
        const batch = await loader.next();
        return { batch, stateAfter: batch.stateAfter };
      },
      close: () => loader.close(),
    };
  };
}
