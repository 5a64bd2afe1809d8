import type { Command } from 'commander';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import {
  checkImageTrainingConfig,
  imageTraining,
  loadInitialWeights,
  loaderStream,
  resolveTrainData,
} from '../../../pointvis/train/index.js';
import { describeAdapter } from '../../node/engine.js';
import {
  type CommonTrainCliOptions,
  addCommonTrainOptions,
  parseKeepCheckpoints,
  runTrainSession,
  trainingEngine,
} from '../../node/train-session.js';

interface PretrainCliOptions extends CommonTrainCliOptions {
  data?: string;
  frames?: string;
}

/** `pointvis pretrain`: Mask2Former image instance segmentation on a COCO-format set with masks. */
export function register(program: Command): void {
  const command = program
    .command('pretrain')
    .description(
      'Train Mask2Former for image instance segmentation on a COCO-format set with full masks ' +
        '(the image model PointVIS makes its proposals with, and MinVIS starts from)',
    )
    .option('--data <file>', 'COCO instances JSON (default: the config’s datasets.train)')
    .option(
      '--frames <dir>',
      'folder the images’ file_name are relative to (default: the JSON path without .json)',
    );
  addCommonTrainOptions(command, 'runs/pretrain').action(
    async (overrides: string[], options: PretrainCliOptions) => {
      const config = loadConfigFile(options.config, overrides);
      checkImageTrainingConfig(config, options.config);
      const keepCheckpoints = parseKeepCheckpoints(options.keepCheckpoints);
      const paths = resolveTrainData(config, options, { data: '--data', frames: '--frames' });
      const eng = await trainingEngine(options.adapter);
      const { model, task, source } = imageTraining(config, {
        dataFile: paths.annotations,
        framesRoot: paths.frames,
      });
      const log = (line: string) => process.stderr.write(`pretrain: ${line}\n`);
      log(`adapter ${describeAdapter(eng)}; ${source.size} training images from ${paths.annotations}`);
      const weights = options.init ?? config.model.weights;
      if (weights !== null && !options.resume) {
        log(loadInitialWeights(model, weights, options.init ? '--init' : 'model.weights'));
      }
      const result = await runTrainSession(
        {
          config,
          task,
          data: loaderStream(source, config),
          outDir: options.out,
          resume: options.resume,
          keepCheckpoints,
        },
        'pretrain',
      );
      const losses = result.lastLosses ? ` total_loss ${result.lastLosses.total_loss?.toFixed(4)}` : '';
      process.stdout.write(
        `pretrain: ${result.interrupted ? 'interrupted' : 'finished'} at iteration ${result.iteration}/${config.solver.maxIter};${losses} ` +
          `last checkpoint ${result.lastCheckpoint ?? '(none)'}\n`,
      );
      // An interrupted run saved its checkpoint; the status still tells scripts it is not done.
      if (result.interrupted) process.exitCode = 130;
    },
  );
}
