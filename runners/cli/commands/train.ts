import type { Command } from 'commander';
import { Option } from 'commander';
import type { PointvisConfig } from '../../../model/config/index.js';
import { criterionFromConfig, mask2formerFromConfig } from '../../../model/mask2former/index.js';
import {
  CategoryMap,
  type FrameSampling,
  type LoadedBatch,
  type SampleSource,
  YtvisMaskSource,
  YtvisPointSource,
  pseudoLabelSource,
} from '../../../pointvis/data/index.js';
import { loadYtvis } from '../../../pointvis/formats/index.js';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import {
  Mask2FormerMaskTask,
  Mask2FormerPointTask,
  PointBaselineCriterion,
  type TrainTask,
  TrainingSetupError,
  checkClassCount,
  frameRatioFilter,
  loadInitialWeights,
  loaderStream,
  resolveTrainData,
} from '../../../pointvis/train/index.js';
import type { Mask2Former } from '../../../model/mask2former/index.js';
import { describeAdapter } from '../../node/engine.js';
import {
  type CommonTrainCliOptions,
  addCommonTrainOptions,
  parseKeepCheckpoints,
  runTrainSession,
  trainingEngine,
} from '../../node/train-session.js';

type Baseline = 'visp' | 'visp-cineg';

interface TrainCliOptions extends CommonTrainCliOptions {
  data?: string;
  frames?: string;
  pseudo?: string;
  points?: string;
  baseline?: Baseline;
}

/** What supervises the frames. */
type Supervision =
  | { kind: 'masks' }
  | { kind: 'pseudo'; file: string; points?: string }
  | { kind: 'points'; file: string; baseline: Baseline };

function supervisionOf(options: TrainCliOptions): Supervision {
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
      if (config.task !== 'video-instance' || config.video === null) {
        throw new TrainingSetupError(
          `${options.config} is a '${config.task}' config; train needs a 'video-instance' (MinVIS) config (use pointvis pretrain for images)`,
        );
      }
      if (config.video.samplingFrameNum !== 1) {
        throw new TrainingSetupError(
          `video.samplingFrameNum is ${config.video.samplingFrameNum}; MinVIS trains on single frames (1)`,
        );
      }
      const keepCheckpoints = parseKeepCheckpoints(options.keepCheckpoints);
      const paths = resolveTrainData(config, options, { data: '--data', frames: '--frames' });
      const videos = loadYtvis(paths.annotations);
      const categories = new CategoryMap(videos.categories, paths.annotations);
      checkClassCount(categories, config, paths.annotations);
      const common = {
        frameRoot: paths.frames,
        categories,
        frameSampling: (config.datasets.filterEmptyAnnotations ? 'non-empty' : 'all') as FrameSampling,
        keepFrames: frameRatioFilter(videos.videos, config.video.samplingFrameRatio) ?? undefined,
      };
      const source: SampleSource =
        supervision.kind === 'masks'
          ? new YtvisMaskSource({ ...common, annotations: { dataset: videos, file: paths.annotations } })
          : supervision.kind === 'pseudo'
            ? pseudoLabelSource({
                ...common,
                annotations: supervision.file,
                pointAnnotations: supervision.points,
              })
            : new YtvisPointSource({ ...common, annotations: supervision.file });
      const eng = await trainingEngine(options.adapter);
      const log = (line: string) => process.stderr.write(`train: ${line}\n`);
      const what = supervision.kind === 'points' ? `${supervision.baseline} points` : supervision.kind;
      log(`adapter ${describeAdapter(eng)}; ${source.size} training frames (${what})`);
      const model = mask2formerFromConfig(config);
      const weights = options.init ?? config.model.weights;
      if (options.resume) log('weights come from the last checkpoint (--resume)');
      else if (weights === null) log('no --init and model.weights is null: training from a random init');
      else
        log(loadInitialWeights(model, weights, options.init ? '--init' : 'model.weights (or pass --init)'));
      const result = await runTrainSession(
        {
          config,
          task: taskFor(supervision, model, config),
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

function taskFor(
  supervision: Supervision,
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
