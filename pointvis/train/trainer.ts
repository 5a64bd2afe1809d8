/**
 * The generic training loop (detectron2's SimpleTrainer + the hooks Mask2Former uses), for any
 * model whose losses a `TrainTask` computes:
 *  - each iteration: lr from the schedule (warmup × step/poly/cosine of solver), forward, the
 *    weighted loss terms summed, backward, AdamW over detectron2's parameter groups with
 *    full-model gradient clipping — all on the GPU, nothing read back;
 *  - every solver.logPeriod iterations (and before every checkpoint): one readback of all loss
 *    terms of the iterations since the last one; a NaN/Inf stops the run with an error naming
 *    the iteration and the term, and no checkpoint is written past the last good one; a record
 *    goes to metrics.jsonl;
 *  - a checkpoint every solver.checkpointPeriod iterations and at the end (plus
 *    model_final.safetensors), the newest K kept;
 *  - `resume`: model, optimizer, iteration, data-stream position and random state come back
 *    from the newest checkpoint, so the run ends with the same weights as one never stopped;
 *  - an abort signal (the CLI wires SIGINT to it) saves a checkpoint after the current
 *    iteration and returns.
 * Iterations are counted 1-based in logs, metrics and checkpoint names: "iteration 100" is the
 * state after 100 optimizer steps; the step that makes it uses the schedule's lr at index 99.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AdamW,
  type Tensor,
  add,
  backward,
  engine,
  lrAt,
  reshape,
  stack,
  tidy,
} from '../../engine/index.js';
import { restoreCheckpoint } from '../../model/checkpoint/index.js';
import { type PointvisConfig, configToYaml, lrScheduleFromConfig } from '../../model/config/index.js';
import { copyFileAtomic, writeFileAtomic } from '../io/atomic-write.js';
import { readCheckpointFile } from '../io/checkpoint-file.js';
import { CheckpointDir, FINAL_MODEL_FILE } from './checkpoint-dir.js';
import { TrainingDivergedError, TrainingSetupError } from './errors.js';
import { type MetricsRecord, MetricsLog } from './metrics-log.js';
import { buildOptimizer } from './param-groups.js';
import { type StepRecord, StepHistory, firstNonFinite } from './step-history.js';
import type { BatchStream, OpenBatchStream, TrainProgress, TrainResult, TrainTask } from './types.js';

export interface TrainOptions<B> {
  /** The resolved run config: solver settings drive the loop; it is stored in every checkpoint. */
  config: PointvisConfig;
  task: TrainTask<B>;
  /** Opens the batch stream at a recorded state (null: from the start). */
  data: OpenBatchStream<B>;
  /** Run directory: metrics.jsonl, config.yaml, last_checkpoint, checkpoints/, model_final.safetensors. */
  outDir: string;
  /** Continue from the newest checkpoint in outDir (an error when there is none). */
  resume?: boolean;
  /** Checkpoints kept in checkpoints/ (default 3). */
  keepCheckpoints?: number;
  /** Stop cleanly: a checkpoint after the current iteration, then return. */
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  onProgress?: (progress: TrainProgress) => void;
  /** Frees a batch after its step (when lossTerms does not consume it). */
  disposeBatch?: (batch: B) => void;
  /**
   * Called after every `every`-th iteration (after that iteration's checkpoint, if one is due),
   * e.g. to evaluate the model on a validation set; it may switch the model to eval mode, the
   * trainer puts it back in training mode. Its time is kept out of seconds_per_iter.
   */
  periodic?: { every: number; run: (iteration: number) => Promise<void> };
}

const TOTAL = 'total_loss';
const GRAD_NORM = 'grad_norm';

interface RunState {
  iteration: number;
  dataState: unknown;
  lastCheckpoint: string | null;
  lastLosses: Record<string, number> | null;
  savedAt: number;
}

export async function train<B>(options: TrainOptions<B>): Promise<TrainResult> {
  const { config, task, outDir } = options;
  const solver = config.solver;
  checkPeriods(solver.maxIter, solver.logPeriod, solver.checkpointPeriod);
  if (options.periodic && !(Number.isSafeInteger(options.periodic.every) && options.periodic.every >= 1)) {
    throw new TrainingSetupError(
      `periodic.every is ${options.periodic.every}; it must be a positive integer`,
    );
  }
  const log = options.onLog ?? (() => {});
  const model = task.model;
  model.train();
  const { optimizer, groups } = buildOptimizer(model, solver);
  const checkpoints = new CheckpointDir(outDir, options.keepCheckpoints ?? 3);
  const metrics = new MetricsLog(outDir);
  const schedule = lrScheduleFromConfig(solver);
  const history = new StepHistory();
  const state: RunState = {
    iteration: 0,
    dataState: null,
    lastCheckpoint: null,
    lastLosses: null,
    savedAt: -1,
  };
  let stream: BatchStream<B> | null = null;
  try {
    await startOrResume(options, optimizer, checkpoints, metrics, state, log);
    writeFileAtomic(join(outDir, 'config.yaml'), configToYaml(config));
    log(
      `optimizer: AdamW, ${groups.length} parameter groups (${groups
        .map((g) => `${g.params.length} params lr×${g.lrMultiplier} wd ${g.weightDecay}`)
        .join('; ')})`,
    );
    if (state.iteration >= solver.maxIter) {
      log(`nothing to do: iteration ${state.iteration} ≥ maxIter ${solver.maxIter}`);
      // A run stopped between its last checkpoint and model_final still ends with model_final.
      const final = join(outDir, FINAL_MODEL_FILE);
      if (state.lastCheckpoint && !existsSync(final)) copyFileAtomic(state.lastCheckpoint, final);
      return result(state, false);
    }
    stream = options.data(state.dataState);
    const startIteration = state.iteration;
    const started = performance.now();
    let lastReadback = started;
    engine().pool.resetPeak();

    const save = async () => {
      state.lastCheckpoint = await checkpoints.save(model, optimizer, {
        iteration: state.iteration,
        config,
        dataRng: { data: state.dataState, task: task.randomState?.() ?? null },
      });
      state.savedAt = state.iteration;
      // Saves follow a readback: keep their time out of the next seconds_per_iter.
      lastReadback = performance.now();
      log(`checkpoint: ${state.lastCheckpoint}`);
    };

    const readBack = async () => {
      const count = history.size;
      const records = await history.readAll();
      const now = performance.now();
      const bad = firstNonFinite(records);
      if (bad)
        throw new TrainingDivergedError(bad.record.iteration, bad.name, bad.value, state.lastCheckpoint);
      const last = records[records.length - 1];
      if (!last) return;
      const record = metricsRecord(last, (now - lastReadback) / 1000 / count);
      lastReadback = now;
      metrics.append(record);
      state.lastLosses = Object.fromEntries(last.values);
      log(formatLogLine(record, solver.maxIter));
    };

    while (state.iteration < solver.maxIter) {
      if (options.signal?.aborted) break;
      const { batch, stateAfter } = await stream.next();
      const lr = lrAt(state.iteration, solver.baseLr, schedule);
      optimizer.lr = lr;
      try {
        history.push(state.iteration + 1, lr, step(task, optimizer, batch, history));
      } finally {
        options.disposeBatch?.(batch);
      }
      state.iteration++;
      state.dataState = stateAfter;
      const done = state.iteration === solver.maxIter;
      const checkpointDue = done || state.iteration % solver.checkpointPeriod === 0;
      const stopping = options.signal?.aborted === true;
      if (checkpointDue || stopping || state.iteration % solver.logPeriod === 0) await readBack();
      if (checkpointDue || stopping) await save();
      if (options.periodic && !stopping && state.iteration % options.periodic.every === 0) {
        await options.periodic.run(state.iteration);
        model.train();
        lastReadback = performance.now();
      }
      options.onProgress?.(progress(state, solver.maxIter, startIteration, started));
    }
    const interrupted = state.iteration < solver.maxIter;
    if (interrupted && state.savedAt !== state.iteration) {
      await readBack();
      await save();
    }
    if (!interrupted && state.lastCheckpoint) {
      copyFileAtomic(state.lastCheckpoint, join(outDir, FINAL_MODEL_FILE));
    }
    if (interrupted) log(`stopped at iteration ${state.iteration}; continue with resume`);
    return result(state, interrupted);
  } finally {
    stream?.close?.();
    history.dispose();
    optimizer.zeroGrad();
    optimizer.dispose();
  }
}

/** One optimizer step; returns the row [terms…, total, grad norm?] (on the GPU). */
function step<B>(task: TrainTask<B>, optimizer: AdamW, batch: B, history: StepHistory): Tensor {
  return tidy(() => {
    optimizer.zeroGrad();
    const terms = Object.entries(task.lossTerms(batch));
    if (terms.length === 0) throw new Error('lossTerms returned no loss terms');
    for (const [name, t] of terms) {
      if (t.size !== 1 || t.dtype !== 'f32')
        throw new Error(`loss term '${name}' is ${t.describe()}, not an f32 scalar`);
    }
    const scalars = terms.map(([, t]) => reshape(t, []));
    const total = scalars.slice(1).reduce((sum, t) => add(sum, t), scalars[0]!);
    backward(total);
    const gradNorm = optimizer.step();
    // Gradients are not needed past the update: free them before the next forward.
    optimizer.zeroGrad();
    const names = [...terms.map(([n]) => n), TOTAL, ...(gradNorm ? [GRAD_NORM] : [])];
    history.checkColumns(names);
    return stack([...scalars, total, ...(gradNorm ? [reshape(gradNorm, [])] : [])]);
  });
}

async function startOrResume<B>(
  options: TrainOptions<B>,
  optimizer: AdamW,
  checkpoints: CheckpointDir,
  metrics: MetricsLog,
  state: RunState,
  log: (line: string) => void,
): Promise<void> {
  const latest = checkpoints.latest();
  if (!options.resume) {
    if (latest !== null) {
      throw new TrainingSetupError(
        `${options.outDir} already holds a run (its last checkpoint is ${latest}): resume it, or choose another output directory`,
      );
    }
    metrics.truncateAfter(0);
    return;
  }
  if (latest === null) {
    throw new TrainingSetupError(
      `cannot resume: ${options.outDir} has no last_checkpoint (no checkpoint was saved there)`,
    );
  }
  const parsed = readCheckpointFile(latest);
  const restored = await restoreCheckpoint(parsed, options.task.model, optimizer, latest);
  const rng = (restored.dataRng ?? {}) as { data?: unknown; task?: unknown };
  options.task.setRandomState?.(rng.task ?? null);
  state.iteration = restored.iteration;
  state.dataState = rng.data ?? null;
  state.lastCheckpoint = latest;
  state.savedAt = restored.iteration;
  metrics.truncateAfter(restored.iteration);
  if (JSON.stringify(restored.config) !== JSON.stringify(options.config)) {
    log(`note: the config differs from the one ${latest} was trained with; continuing with the new one`);
  }
  log(`resumed from ${latest} at iteration ${restored.iteration}`);
}

function checkPeriods(maxIter: number, logPeriod: number, checkpointPeriod: number): void {
  for (const [name, v] of [
    ['solver.maxIter', maxIter],
    ['solver.logPeriod', logPeriod],
    ['solver.checkpointPeriod', checkpointPeriod],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new TrainingSetupError(`${name} is ${v}; it must be a positive integer`);
  }
}

function metricsRecord(last: StepRecord, secondsPerIter: number): MetricsRecord {
  const pool = engine().pool.snapshot();
  engine().pool.resetPeak();
  const record: MetricsRecord = {
    iteration: last.iteration,
    lr: last.lr,
    total_loss: last.values.get(TOTAL)!,
    seconds_per_iter: secondsPerIter,
    gpu_live_bytes: pool.liveBytes,
    gpu_peak_bytes: pool.peakLiveBytes,
  };
  for (const [name, value] of last.values) record[name] = value;
  return record;
}

/** The headline terms (not the auxiliary `_k` ones) on one line. */
function formatLogLine(r: MetricsRecord, maxIter: number): string {
  const terms = Object.entries(r)
    .filter(([k]) => k.startsWith('loss_') && !/_\d+$/.test(k))
    .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    `iter ${r.iteration}/${maxIter}`,
    `lr ${r.lr.toExponential(2)}`,
    `total ${r.total_loss.toFixed(4)}`,
    ...terms,
    ...(r.grad_norm === undefined ? [] : [`grad_norm ${r.grad_norm.toFixed(3)}`]),
    `${r.seconds_per_iter.toFixed(3)} s/it`,
    `gpu ${mib(r.gpu_live_bytes)} (peak ${mib(r.gpu_peak_bytes)})`,
  ].join('  ');
}

function progress(state: RunState, maxIter: number, startIteration: number, started: number): TrainProgress {
  const elapsedSeconds = (performance.now() - started) / 1000;
  const done = state.iteration - startIteration;
  return {
    iteration: state.iteration,
    maxIter,
    startIteration,
    elapsedSeconds,
    etaSeconds: done > 0 ? (elapsedSeconds / done) * (maxIter - state.iteration) : null,
    lastTotalLoss: state.lastLosses?.[TOTAL] ?? null,
  };
}

function result(state: RunState, interrupted: boolean): TrainResult {
  return {
    iteration: state.iteration,
    interrupted,
    lastCheckpoint: state.lastCheckpoint,
    lastLosses: state.lastLosses,
  };
}
