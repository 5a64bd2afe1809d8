import type { Command } from 'commander';
import { Option } from 'commander';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import {
  type PointBaseline,
  TrainingSetupError,
  type VideoSupervision,
  checkVideoTrainingConfig,
  loadInitialWeights,
  loaderStream,
  resolveTrainData,
  videoTraining,
} from '../../../pointvis/train/index.js';
import { describeAdapter } from '../../node/engine.js';
import {
  type CommonTrainCliOptions,
  addCommonTrainOptions,
  parseKeepCheckpoints,
  runTrainSession,
  trainingEngine,
} from '../../node/train-session.js';

interface TrainCliOptions extends CommonTrainCliOptions {
  data?: string;
  frames?: string;
  pseudo?: string;
  points?: string;
  baseline?: PointBaseline;
}

function supervisionOf(options: TrainCliOptions): VideoSupervision {
  if (options.baseline !== undefined && options.points === undefined) {
    throw new TrainingSetupError('--baseline needs --points (the point annotations it trains on)');
  }
  if (options.pseudo !== undefined) {
    if (options.baseline !== undefined) {
      throw new TrainingSetupError(
        '--pseudo trains on pseudo masks; --baseline trains on points: choose one',
      );
    }
    return { kind: 'pseudo', file: options.pseudo, points: options.points };
  }
  if (options.points !== undefined) {
    if (options.baseline === undefined) {
      throw new TrainingSetupError(
        '--points needs --baseline visp|visp-cineg (train on the points) or --pseudo (restrict pseudo masks to annotated frames)',
      );
    }
    return { kind: 'points', file: options.points, baseline: options.baseline };
  }
  return { kind: 'masks' };
}

/** `pointvis train`: MinVIS per-frame training on gt masks, pseudo masks, or the point baselines. */
export function register(program: Command): void {
  const command = program
    .command('train')
    .description(
      'Train MinVIS (a per-frame Mask2Former) on a YouTube-VIS-format video set: ground-truth masks, ' +
        'pseudo masks (--pseudo), or the VISP / VISP+CINeg point baselines (--points --baseline)',
    )
    .option(
      '--data <file>',
      'YouTube-VIS JSON of the training videos: its categories are the classes (default: datasets.train)',
    )
    .option(
      '--frames <dir>',
      'folder the videos’ file_names are relative to (default: the JSON path without .json)',
    )
    .option(
      '--pseudo <file>',
      'train on these pseudo masks (YouTube-VIS format, e.g. from the point matcher)',
    )
    .option(
      '--points <file>',
      'point annotations: with --baseline the targets; with --pseudo only their frames are used',
    )
    .addOption(
      new Option(
        '--baseline <name>',
        'point baseline: losses only at annotated points (visp-cineg adds cross-instance negatives)',
      ).choices(['visp', 'visp-cineg']),
    );
  addCommonTrainOptions(command, 'runs/train').action(
    async (overrides: string[], options: TrainCliOptions) => {
      const supervision = supervisionOf(options);
      const config = loadConfigFile(options.config, overrides);
      checkVideoTrainingConfig(config, options.config);
      const keepCheckpoints = parseKeepCheckpoints(options.keepCheckpoints);
      const paths = resolveTrainData(config, options, { data: '--data', frames: '--frames' });
      const eng = await trainingEngine(options.adapter);
      const { model, task, source, describe, warnings } = videoTraining(config, {
        dataFile: paths.annotations,
        framesRoot: paths.frames,
        supervision,
      });
      const log = (line: string) => process.stderr.write(`train: ${line}\n`);
      log(`adapter ${describeAdapter(eng)}; ${source.size} training frames (${describe})`);
      for (const warning of warnings) log(`warning: ${warning}`);
      const weights = options.init ?? config.model.weights;
      if (options.resume) log('weights come from the last checkpoint (--resume)');
      else if (weights === null) log('no --init and model.weights is null: training from a random init');
      else
        log(loadInitialWeights(model, weights, options.init ? '--init' : 'model.weights (or pass --init)'));
      const result = await runTrainSession(
        {
          config,
          task,
          data: loaderStream(source, config),
          outDir: options.out,
          resume: options.resume,
          keepCheckpoints,
        },
        'train',
      );
      const total = result.lastLosses?.total_loss;
      process.stdout.write(
        `train: ${result.interrupted ? 'interrupted' : 'finished'} at iteration ${result.iteration}/${config.solver.maxIter};` +
          `${total === undefined ? '' : ` total_loss ${total.toFixed(4)};`} last checkpoint ${result.lastCheckpoint ?? '(none)'}\n`,
      );
      // An interrupted run saved its checkpoint; the status still tells scripts it is not done.
      if (result.interrupted) process.exitCode = 130;
    },
  );
}
