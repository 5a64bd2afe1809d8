/**
 * A MinVIS training from its parts: a video-instance config, the training videos, and what
 * supervises the frames — ground-truth masks (the fully supervised upper bound), pseudo masks
 * (restricted to point-annotated frames when the points are given), or the VISP / VISP+CINeg
 * point baselines. `pointvis train`, `pointvis selftrain` and `pointvis run` all build their
 * trainings here.
 */
import type { PointvisConfig } from '../../model/config/index.js';
import {
  type Mask2Former,
  criterionFromConfig,
  mask2formerFromConfig,
} from '../../model/mask2former/index.js';
import {
  CategoryMap,
  type FrameSampling,
  type LoadedBatch,
  type SampleSource,
  YtvisMaskSource,
  YtvisPointSource,
  pseudoLabelSource,
} from '../data/index.js';
import { loadYtvis } from '../formats/index.js';
import type { YtvisDataset } from '../formats/types.js';
import { checkClassCount, checkHasTargets, frameRatioFilter } from './data-setup.js';
import { TrainingSetupError } from './errors.js';
import { Mask2FormerMaskTask, Mask2FormerPointTask } from './mask2former-tasks.js';
import { PointBaselineCriterion } from './point-baseline/point-criterion.js';
import type { TrainTask } from './types.js';

export type PointBaseline = 'visp' | 'visp-cineg';

/** What supervises the frames. */
export type VideoSupervision =
  | { kind: 'masks' }
  | { kind: 'pseudo'; file: string; points?: string }
  | { kind: 'points'; file: string; baseline: PointBaseline };

export interface VideoTraining {
  /** A fresh model of the config (seeded init): load starting weights into it before training. */
  model: Mask2Former;
  task: TrainTask<LoadedBatch>;
  source: SampleSource;
  categories: CategoryMap;
  /** "masks", "pseudo", "visp points", "visp-cineg points": what supervises, for log lines. */
  describe: string;
  /** Input problems that do not stop training (objects skipped), each naming file, video and object. */
  warnings: string[];
}

/** Why a supervision can leave no training frame, for the refusal. */
const EMPTY_REASON: Record<VideoSupervision['kind'], string> = {
  masks: 'no training frame has a mask',
  pseudo:
    'no training frame has a pseudo mask (empty proposal sets, or every object unmatched: see the pseudo summary)',
  points: 'no training frame has points of a non-crowd object',
};

/** The config must be MinVIS's: a video-instance model trained on single frames. */
export function checkVideoTrainingConfig(config: PointvisConfig, file: string): void {
  if (config.task !== 'video-instance' || config.video === null) {
    throw new TrainingSetupError(
      `${file} is a '${config.task}' config; train needs a 'video-instance' (MinVIS) config (use pointvis pretrain for images)`,
    );
  }
  if (config.video.samplingFrameNum !== 1) {
    throw new TrainingSetupError(
      `video.samplingFrameNum is ${config.video.samplingFrameNum}; MinVIS trains on single frames (1)`,
    );
  }
}

/** Model, loss and frame source of a MinVIS training on `dataFile`'s videos. */
export function videoTraining(
  config: PointvisConfig,
  data: { dataFile: string; framesRoot: string; supervision: VideoSupervision; dataset?: YtvisDataset },
): VideoTraining {
  checkVideoTrainingConfig(config, 'the config');
  const videos = data.dataset ?? loadYtvis(data.dataFile);
  const categories = new CategoryMap(videos.categories, data.dataFile);
  checkClassCount(categories, config, data.dataFile);
  const common = {
    frameRoot: data.framesRoot,
    categories,
    frameSampling: (config.datasets.filterEmptyAnnotations ? 'non-empty' : 'all') as FrameSampling,
    keepFrames: frameRatioFilter(videos.videos, config.video!.samplingFrameRatio) ?? undefined,
  };
  const { supervision } = data;
  const source: YtvisMaskSource | YtvisPointSource =
    supervision.kind === 'masks'
      ? new YtvisMaskSource({ ...common, annotations: { dataset: videos, file: data.dataFile } })
      : supervision.kind === 'pseudo'
        ? pseudoLabelSource({
            ...common,
            annotations: supervision.file,
            pointAnnotations: supervision.points,
          })
        : new YtvisPointSource({ ...common, annotations: supervision.file });
  const supervisionFile = supervision.kind === 'masks' ? data.dataFile : supervision.file;
  checkHasTargets(source, supervisionFile, EMPTY_REASON[supervision.kind]);
  const warnings =
    source instanceof YtvisPointSource
      ? source.objectsWithoutPoints.map(
          (o) =>
            `${supervisionFile}: video ${o.videoId} object ${o.objectId} has points in no frame; it is skipped`,
        )
      : [];
  const model = mask2formerFromConfig(config);
  const describe =
    supervision.kind === 'points'
      ? `${supervision.baseline} points`
      : supervision.kind === 'pseudo'
        ? 'pseudo'
        : 'masks';
  return { model, task: taskFor(supervision, model, config), source, categories, describe, warnings };
}

function taskFor(
  supervision: VideoSupervision,
  model: Mask2Former,
  config: PointvisConfig,
): TrainTask<LoadedBatch> {
  if (supervision.kind !== 'points') return new Mask2FormerMaskTask(model, criterionFromConfig(config));
  const { loss } = config;
  const criterion = new PointBaselineCriterion({
    numClasses: config.model.numClasses,
    classWeight: loss.classWeight,
    maskWeight: loss.maskWeight,
    noObjectWeight: loss.noObjectWeight,
    deepSupervision: loss.deepSupervision,
    classCost: loss.matcher.classCost,
    maskCost: loss.matcher.maskCost,
  });
  return new Mask2FormerPointTask(model, criterion, supervision.baseline === 'visp-cineg');
}
