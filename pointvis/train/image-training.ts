/**
 * A Mask2Former image training from its parts: an image-instance config and a COCO-format set
 * with full masks. `pointvis pretrain` and `pointvis run` build their image trainings here.
 */
import type { PointvisConfig } from '../../model/config/index.js';
import {
  type Mask2Former,
  criterionFromConfig,
  mask2formerFromConfig,
} from '../../model/mask2former/index.js';
import { CocoSource, type LoadedBatch } from '../data/index.js';
import { checkClassCount } from './data-setup.js';
import { TrainingSetupError } from './errors.js';
import { Mask2FormerMaskTask } from './mask2former-tasks.js';
import type { TrainTask } from './types.js';

export interface ImageTraining {
  /** A fresh model of the config (seeded init): load starting weights into it before training. */
  model: Mask2Former;
  task: TrainTask<LoadedBatch>;
  source: CocoSource;
}

export function checkImageTrainingConfig(config: PointvisConfig, file: string): void {
  if (config.task !== 'image-instance') {
    throw new TrainingSetupError(
      `${file} is a '${config.task}' config; pretrain trains 'image-instance' (use pointvis train for videos)`,
    );
  }
}

export function imageTraining(
  config: PointvisConfig,
  data: { dataFile: string; framesRoot: string },
): ImageTraining {
  checkImageTrainingConfig(config, 'the config');
  const source = new CocoSource({
    annotations: data.dataFile,
    imageRoot: data.framesRoot,
    skipEmpty: config.datasets.filterEmptyAnnotations,
  });
  checkClassCount(source.categories, config, data.dataFile);
  const model = mask2formerFromConfig(config);
  return { model, task: new Mask2FormerMaskTask(model, criterionFromConfig(config)), source };
}
