import type { Command } from 'commander';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type RunConfig,
  RunLayout,
  type StageEvent,
  checkModelConfigs,
  checkRunDir,
  loadRunConfig,
  runPipeline,
} from '../../../pointvis/pipeline/index.js';
import { describeAdapter } from '../../node/engine.js';
import { formatDuration } from '../../node/progress.js';
import { runTrainSession, trainingEngine } from '../../node/train-session.js';
import { videoProgress } from './proposals.js';

/** The embedded default: the synthetic tiny preset with the cpu-tiny models. */
export const DEFAULT_RUN_CONFIG = fileURLToPath(
  new URL('../../../configs/run/report-tiny.yaml', import.meta.url),
);

interface RunCliOptions {
  config?: string;
  out: string;
  resume?: boolean;
  studies?: boolean;
  adapter: string;
}

/** "0.4 s" under a minute, else "3m05s". */
function took(seconds: number | undefined): string {
  if (seconds === undefined) return '--';
  return seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds);
}

function stageLine(e: StageEvent): string {
  const at = `run [${e.index}/${e.total}] ${e.id}`;
  switch (e.status) {
    case 'start':
      return `${at} ...`;
    case 'done':
      return `${at} done in ${took(e.seconds)}`;
    case 'skipped':
      return `${at} skipped (finished before)`;
    case 'interrupted':
      return `${at} interrupted after ${took(e.seconds)}: continue with --resume`;
  }
}

/** Per-label progress bars over videos, each closed when its count is reached. */
function videoBars(): (label: string, done: number, total: number) => void {
  const open = new Map<string, ReturnType<typeof videoProgress>>();
  return (label, done, total) => {
    let bar = open.get(label);
    if (bar === undefined) {
      bar = videoProgress(label, total);
      open.set(label, bar);
    }
    bar.tick(done, `${done} done`);
    if (done >= total) {
      bar.stop();
      open.delete(label);
    }
  };
}

/**
 * `pointvis run`: the whole method from one run config in one process (one engine, kernels
 * compiled once): data → points → image model → proposals → pseudo labels → every training of
 * the chosen tables with its evaluation → self-training → figures and report.md.
 */
export function register(program: Command): void {
  program
    .command('run')
    .description(
      'Run the whole PointVIS pipeline from one run config and write report.md (the paper’s Tables 1 and 2; ' +
        'with --studies also Tables 4 and 6), its figures and every intermediate file, in one run directory',
    )
    .argument(
      '[overrides...]',
      'run-config overrides key=value, e.g. videoModel.overrides.solver.maxIter=100 experiments.tables=[1]',
    )
    .option(
      '--config <file>',
      `run config (YAML, _base_ inheritance; configs/run/base.yaml lists every setting). Default: ${relative(process.cwd(), DEFAULT_RUN_CONFIG)} (synthetic tiny preset, cpu-tiny models); with --resume: the config stored in --out`,
    )
    .option('--out <dir>', 'run directory (must be new or empty unless --resume)', 'runs/report')
    .option(
      '--resume',
      'continue the run in --out: finished stages are skipped, a half-done training continues from its last checkpoint',
    )
    .option('--studies', 'add Table 4 (point schemes) and Table 6 (subsampled frames, per-frame matching)')
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .addHelpText(
      'after',
      '\nThe run directory holds run-config.yaml, stages/ (completion markers), data/, points/, pretrain/, ' +
        'proposals/, pseudo/, train/, selftrain/, infer/, eval/, figures/ and report.md.\n' +
        'Ctrl-C during a training saves a checkpoint; `pointvis run --out DIR --resume` continues.',
    )
    .action(async (overrides: string[], options: RunCliOptions) => {
      const given = options.config ?? (options.resume ? null : DEFAULT_RUN_CONFIG);
      const extra = [...overrides, ...(options.studies ? ['experiments.studies=true'] : [])];
      let config: RunConfig | null = null;
      if (given !== null) {
        config = loadRunConfig(given, { overrides: extra });
        // Every config problem before the engine starts.
        checkModelConfigs(config);
      } else if (extra.length > 0) {
        throw new Error(
          'run: overrides and --studies on --resume need --config (the config the run started with)',
        );
      }
      const configSource =
        given === null
          ? `${options.out}/run-config.yaml (stored)`
          : given === DEFAULT_RUN_CONFIG
            ? `${relative(process.cwd(), given)} (embedded default)`
            : given;
      checkRunDir(new RunLayout(options.out), options.resume === true);
      const eng = await trainingEngine(options.adapter);
      const adapter = describeAdapter(eng);
      const log = (line: string) => process.stderr.write(`run: ${line}\n`);
      log(`adapter ${adapter}; config ${configSource}; run directory ${options.out}`);
      const result = await runPipeline({
        config,
        configSource,
        outDir: options.out,
        resume: options.resume === true,
        adapter,
        runTraining: ({ signal: _s, onLog: _l, onProgress: _p, ...rest }, label) =>
          runTrainSession(rest, label),
        onLog: log,
        onVideos: videoBars(),
        onStage: (e) => process.stderr.write(`${stageLine(e)}\n`),
      });
      process.stdout.write(
        `run: ${result.interrupted ? `interrupted in ${result.interrupted}` : 'finished'}: ${result.ran.length} stages ran, ` +
          `${result.skipped.length} skipped, ${formatDuration(result.seconds)}; report ${result.reportFile}\n`,
      );
      if (result.interrupted) process.exitCode = 130;
    });
}
