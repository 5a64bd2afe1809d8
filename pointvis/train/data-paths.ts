/**
 * Where a run's training data is: the annotation file from the command line or the config's
 * `datasets.train`, and the folder its file names are relative to — given, or the annotation
 * path without `.json` when that folder exists (the layout `pointvis synth` writes:
 * images/train.json ↔ images/train/).
 */
import { existsSync, statSync } from 'node:fs';
import type { PointvisConfig } from '../../model/config/index.js';
import { TrainingSetupError } from './errors.js';

export interface TrainDataPaths {
  annotations: string;
  frames: string;
}

export function resolveTrainData(
  config: PointvisConfig,
  given: { data?: string; frames?: string },
  flags: { data: string; frames: string },
): TrainDataPaths {
  let annotations = given.data;
  if (annotations === undefined) {
    const listed = config.datasets.train;
    if (listed.length !== 1) {
      throw new TrainingSetupError(
        `config datasets.train lists ${listed.length} sets (${listed.join(', ')}); name one with ${flags.data}`,
      );
    }
    annotations = listed[0]!;
  }
  if (!existsSync(annotations)) {
    throw new TrainingSetupError(
      `training annotations ${annotations} do not exist (${given.data === undefined ? 'config datasets.train' : flags.data})`,
    );
  }
  let frames = given.frames;
  if (frames === undefined) {
    const beside = annotations.replace(/\.json$/i, '');
    if (beside === annotations || !isDirectory(beside)) {
      throw new TrainingSetupError(
        `no image folder for ${annotations}: pass ${flags.frames} (the folder its file names are relative to)`,
      );
    }
    frames = beside;
  }
  if (!isDirectory(frames)) throw new TrainingSetupError(`${flags.frames} ${frames} is not a folder`);
  return { annotations, frames };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
