/**
 * Runs `train` from a terminal: log lines and a progress bar on stderr, and Ctrl-C (SIGINT)
 * wired to the trainer's abort signal — the first one saves a checkpoint after the current
 * iteration and ends cleanly, a second one quits at once.
 */
import type { Command } from 'commander';
import { type Engine, engine, hasEngine } from '../../engine/index.js';
import { type TrainOptions, type TrainResult, train } from '../../pointvis/train/index.js';
import { startNodeEngine } from './engine.js';
import type { AdapterChoice } from './gpu.js';
import { createTrainProgress } from './progress.js';

export async function runTrainSession<B>(
  options: Omit<TrainOptions<B>, 'signal' | 'onLog' | 'onProgress'>,
  label: string,
): Promise<TrainResult> {
  const display = createTrainProgress({ label });
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      display.stop();
      process.stderr.write(`${label}: interrupted again, quitting without a checkpoint\n`);
      process.exit(130);
    }
    controller.abort();
    display.log(
      `${label}: interrupt — saving a checkpoint after this iteration (Ctrl-C again quits at once)`,
    );
  };
  process.on('SIGINT', onInterrupt);
  try {
    const result = await train({
      ...options,
      signal: controller.signal,
      onLog: (line) => display.log(`${label}: ${line}`),
      onProgress: (p) => display.update(p),
    });
    display.stop();
    return result;
  } catch (err) {
    display.stop();
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** Options both `pointvis pretrain` and `pointvis train` take. */
export interface CommonTrainCliOptions {
  config: string;
  out: string;
  resume?: boolean;
  init?: string;
  keepCheckpoints: string;
  adapter: string;
}

export function addCommonTrainOptions(command: Command, defaultOut: string): Command {
  return command
    .requiredOption('--config <file>', 'run config (YAML with _base_ inheritance)')
    .option(
      '--out <dir>',
      'run directory: checkpoints/, last_checkpoint, metrics.jsonl, config.yaml',
      defaultOut,
    )
    .option(
      '--resume',
      'continue the run in --out from its last checkpoint (weights, optimizer, data position, random state)',
    )
    .option('--init <weights>', 'starting weights (safetensors); default: the config’s model.weights')
    .option('--keep-checkpoints <n>', 'checkpoints kept in --out/checkpoints (newest)', '3')
    .option(
      '--adapter <kind>',
      'auto | hardware | swiftshader | gles',
      process.env.POINTVIS_ADAPTER ?? 'auto',
    )
    .argument(
      '[overrides...]',
      'config overrides key=value, e.g. solver.maxIter=4 model.decoder.numQueries=50',
    );
}

export function parseKeepCheckpoints(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--keep-checkpoints: "${text}" is not a positive integer`);
  return n;
}

/** The engine for a training command: the one already running in this process (a pipeline
 * calling several commands, or a test), else a new one on the chosen adapter. */
export async function trainingEngine(adapter: string): Promise<Engine> {
  return hasEngine() ? engine() : startNodeEngine(adapter as AdapterChoice);
}
