import type { Command } from 'commander';
import { loadYtvis } from '../../../pointvis/formats/index.js';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import { groundTruthFrom, parseLambda } from '../../../pointvis/pseudo/index.js';
import { formatRoundReport, runSelfTraining } from '../../../pointvis/selftrain/index.js';
import { describeAdapter } from '../../node/engine.js';
import { parseKeepCheckpoints, runTrainSession, trainingEngine } from '../../node/train-session.js';
import { parseMaskSize, videoProgress } from './proposals.js';

interface SelfTrainCliOptions {
  config: string;
  weights: string;
  data: string;
  frames: string;
  points: string;
  out: string;
  rounds?: string;
  resume?: boolean;
  lambda?: string;
  gt?: string;
  size: string;
  keepCheckpoints: string;
  adapter: string;
}

function roundsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--rounds: "${text}" is not a positive integer`);
  return n;
}

/**
 * `pointvis selftrain`: rounds of proposals from the current video model → pseudo labels scored
 * by confidence → training again from the current weights (paper §3, self-training).
 */
export function register(program: Command): void {
  program
    .command('selftrain')
    .description(
      'Self-training: per round, proposals from the current video model, pseudo masks with the point ' +
        'matcher (confidence score), and training again from the current weights',
    )
    .argument('[overrides...]', 'config overrides key=value, e.g. solver.maxIter=100')
    .requiredOption('--config <file>', 'MinVIS / PointVIS config of the video model')
    .requiredOption('--weights <file>', 'the trained video model round 1 starts from (safetensors)')
    .requiredOption('--data <file>', 'YouTube-VIS JSON of the training videos')
    .requiredOption('--frames <dir>', 'folder the videos’ file_names are relative to')
    .requiredOption('--points <file>', 'point annotations of the training videos')
    .option(
      '--out <dir>',
      'output: round-<r>/{proposals/, pseudo.json, train/}, selftrain.json',
      'runs/selftrain',
    )
    .option('--rounds <n>', 'rounds (default: pointSupervision.selfTrainingRounds, or 1)')
    .option('--resume', 'continue a run in --out: skip finished stages, resume a half-done training')
    .option('--lambda <l1,l2,l3>', 'matcher weights (default: the config’s pointSupervision, else 5,5,2)')
    .option(
      '--gt <file>',
      'ground truth for the pseudo mIoU (default: the points file when it has segmentations)',
    )
    .option('--size <HxW|frame|native>', 'stored proposal mask size', 'frame')
    .option('--keep-checkpoints <n>', 'checkpoints kept per round’s training', '3')
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .action(async (overrides: string[], options: SelfTrainCliOptions) => {
      const config = loadConfigFile(options.config, overrides);
      const eng = await trainingEngine(options.adapter);
      const log = (line: string) => process.stderr.write(`selftrain: ${line}\n`);
      log(`adapter ${describeAdapter(eng)}`);
      let progress: ReturnType<typeof videoProgress> | null = null;
      const result = await runSelfTraining({
        config,
        configFile: options.config,
        weights: options.weights,
        dataFile: options.data,
        framesRoot: options.frames,
        pointsFile: options.points,
        outDir: options.out,
        rounds: roundsOf(options.rounds),
        resume: options.resume === true,
        lambda: options.lambda === undefined ? undefined : parseLambda(options.lambda),
        groundTruth:
          options.gt === undefined
            ? undefined
            : { lookup: groundTruthFrom(loadYtvis(options.gt), options.gt), file: options.gt },
        maskSize: parseMaskSize(options.size),
        keepCheckpoints: parseKeepCheckpoints(options.keepCheckpoints),
        // The session prints the trainer's log lines under its own label, with the progress bar.
        runTraining: ({ signal: _signal, onLog: _onLog, onProgress: _onProgress, ...rest }) =>
          runTrainSession(rest, 'selftrain train'),
        onLog: log,
        onVideos: (stage, round, done, total) => {
          progress ??= videoProgress(`selftrain round ${round} ${stage}`, total);
          progress.tick(done, `${done} done`);
          if (done === total) {
            progress.stop();
            progress = null;
          }
        },
        onRound: (report) => process.stdout.write(`${formatRoundReport(report)}\n`),
      });
      process.stdout.write(
        `selftrain: ${result.rounds.length} rounds; final weights ${result.finalWeights ?? '(none)'}; report ${result.reportFile}\n`,
      );
      if (result.rounds.some((r) => !r.finished)) process.exitCode = 130;
    });
}
