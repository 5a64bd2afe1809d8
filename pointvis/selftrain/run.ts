/**
 * Self-training (paper §3, "Self-training for generalization"): each round regenerates
 * proposals with the current video model, matches them to the points with the point-based
 * matcher scoring proposals by the model's confidence (it has now seen videos), and trains the
 * video model again on the new pseudo masks. A round's training starts from the previous
 * round's weights (round 1 from the given trained model): the paper says it re-trains without
 * saying from where; continuing from the finetuned model keeps what the earlier round learnt and
 * needs only a short schedule, and the config's schedule (solver.*) is run in full each round.
 *
 * Each stage is skipped when its output is complete (layout.ts), and a half-done training
 * resumes from its last checkpoint, so rerunning with `resume` continues where a run stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostWeights } from '../../engine/index.js';
import type { PointvisConfig } from '../../model/config/index.js';
import type { LoadedBatch } from '../data/index.js';
import { loadYtvis, readJsonFile } from '../formats';
import type { YtvisDataset } from '../formats/types';
import { writeJsonAtomic } from '../io/atomic-write';
import { loadFrameModel } from '../infer/image-model';
import { type ProposalMaskSize, proposalSettingsFromConfig, runProposals } from '../proposals';
import { type GroundTruthInput, type PseudoSummary, makePseudoLabels } from '../pseudo';
import {
  METRICS_FILE,
  type TrainOptions,
  type TrainResult,
  TrainingSetupError,
  checkVideoTrainingConfig,
  loadInitialWeights,
  loaderStream,
  train,
  videoTraining,
} from '../train/index.js';
import {
  type RoundPaths,
  existingRounds,
  proposalsComplete,
  pseudoComplete,
  roundPaths,
  trainState,
} from './layout';
import { roundCount, selfTrainingMatcher } from './settings';

export type StageOutcome = 'ran' | 'resumed' | 'skipped';

export interface SelfTrainOptions {
  /** A resolved MinVIS ('video-instance') config: the model, the schedule of every round. */
  config: PointvisConfig;
  /** Names the config in the proposals manifests. */
  configFile: string;
  /** The trained video model round 1 starts from (safetensors, the config's class count). */
  weights: string;
  /** YouTube-VIS JSON of the training videos (its categories are the classes). */
  dataFile: string;
  framesRoot: string;
  /** Point annotations (tracked; with segmentations, the pseudo mIoU is measured against them). */
  pointsFile: string;
  outDir: string;
  /** Default: pointSupervision.selfTrainingRounds when at least 1, else 1. */
  rounds?: number;
  /** Continue a run in outDir (without it, an outDir holding rounds is an error). */
  resume?: boolean;
  /** λ1, λ2, λ3 (default: the config's pointSupervision, else the paper's). */
  lambda?: CostWeights;
  /** Ground truth for the pseudo mIoU (default: the points file when it has segmentations). */
  groundTruth?: GroundTruthInput | null;
  /** Stored proposal mask size (default: the video's frame size). */
  maskSize?: ProposalMaskSize;
  keepCheckpoints?: number;
  /** Runs a training (default: the trainer itself; the CLI adds Ctrl-C and a progress bar). */
  runTraining?: (options: TrainOptions<LoadedBatch>) => Promise<TrainResult>;
  onLog?: (line: string) => void;
  /** Per-video progress of the proposals and pseudo stages. */
  onVideos?: (stage: 'proposals' | 'pseudo', round: number, done: number, total: number) => void;
  /** Called after each round with its report. */
  onRound?: (report: RoundReport) => void;
}

export interface RoundReport {
  round: number;
  rounds: number;
  /** The weights the round's proposals came from and its training started from. */
  weightsIn: string;
  /** The round's trained model (the next round's weightsIn). */
  weightsOut: string;
  stages: { proposals: StageOutcome; pseudo: StageOutcome; train: StageOutcome };
  /** Pseudo-label summary (score 'confidence'; miou null without ground truth). */
  pseudo: PseudoSummary;
  /** Iterations of the round's training, and its total loss at the last logged iteration. */
  iteration: number;
  finalLoss: number | null;
  /** False when training was interrupted (no model_final: the run stops after this round). */
  finished: boolean;
}

export interface SelfTrainResult {
  rounds: RoundReport[];
  /** The last finished round's model (null when the first training was interrupted). */
  finalWeights: string | null;
  /** OUT/selftrain.json: the reports as JSON. */
  reportFile: string;
}

export const REPORT_FILE = 'selftrain.json';

/** Iteration and total loss of the last whole record of a run's metrics.jsonl (a training skipped as done). */
export function lastLoggedMetrics(runDir: string): { iteration: number; totalLoss: number | null } {
  const path = join(runDir, METRICS_FILE);
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trim() === '') continue;
    try {
      const record = JSON.parse(lines[i]!) as { iteration?: unknown; total_loss?: unknown };
      if (typeof record.iteration !== 'number') continue;
      return {
        iteration: record.iteration,
        totalLoss: typeof record.total_loss === 'number' ? record.total_loss : null,
      };
    } catch {
      // a torn last line from an interrupted write: look further up
    }
  }
  return { iteration: 0, totalLoss: null };
}

/** Proposals of every video from the current video model (MinVIS on a per-frame Mask2Former). */
async function proposalStage(
  options: SelfTrainOptions,
  dataset: YtvisDataset,
  paths: RoundPaths,
  round: number,
  weights: string,
): Promise<StageOutcome> {
  if (options.resume && proposalsComplete(paths.proposals, dataset)) return 'skipped';
  const partial = existsSync(paths.proposals);
  const { fn, tensors, dispose } = loadFrameModel(options.config, weights);
  try {
    options.onLog?.(`round ${round}: proposals from ${weights} (${tensors} tensors)`);
    await runProposals({
      dataset,
      dataFile: options.dataFile,
      framesRoot: options.framesRoot,
      outDir: paths.proposals,
      modelFor: () => fn,
      modelName: `${options.configFile} + ${weights}`,
      ...proposalSettingsFromConfig(options.config, options.maskSize ?? 'frame'),
      resume: options.resume === true,
      onVideo: (done, total) => options.onVideos?.('proposals', round, done, total),
    });
  } finally {
    dispose();
  }
  return options.resume && partial ? 'resumed' : 'ran';
}

async function pseudoStage(
  options: SelfTrainOptions,
  paths: RoundPaths,
  round: number,
): Promise<{ outcome: StageOutcome; summary: PseudoSummary }> {
  if (options.resume && pseudoComplete(paths)) {
    return { outcome: 'skipped', summary: readJsonFile(paths.pseudoSummary) as PseudoSummary };
  }
  const result = await makePseudoLabels({
    ...selfTrainingMatcher(options.config, options.lambda),
    pointsFile: options.pointsFile,
    proposalsDir: paths.proposals,
    out: paths.pseudo,
    groundTruth: options.groundTruth,
    perFrameHint: 'set pointSupervision.perFrameMatching=true',
    onVideos: (done, total) => options.onVideos?.('pseudo', round, done, total),
  });
  return { outcome: 'ran', summary: result.summary };
}

/** MinVIS training on the round's pseudo masks (point-annotated frames only), from `weights`. */
async function trainStage(
  options: SelfTrainOptions,
  dataset: YtvisDataset,
  paths: RoundPaths,
  round: number,
  weights: string,
): Promise<{ outcome: StageOutcome; iteration: number; finalLoss: number | null; finished: boolean }> {
  const state = options.resume ? trainState(paths) : 'none';
  if (state === 'done') {
    const last = lastLoggedMetrics(paths.train);
    return { outcome: 'skipped', iteration: last.iteration, finalLoss: last.totalLoss, finished: true };
  }
  const { config } = options;
  const { model, task, source } = videoTraining(config, {
    dataFile: options.dataFile,
    framesRoot: options.framesRoot,
    dataset,
    // Frames without points carry no labels: they are not background, so they are left out.
    supervision: { kind: 'pseudo', file: paths.pseudo, points: options.pointsFile },
  });
  try {
    if (state === 'partial') options.onLog?.(`round ${round}: resuming the training in ${paths.train}`);
    else options.onLog?.(`round ${round}: ${loadInitialWeights(model, weights, `round ${round} start`)}`);
    options.onLog?.(`round ${round}: ${source.size} training frames (pseudo masks)`);
    const runTraining = options.runTraining ?? train;
    const result = await runTraining({
      config,
      task,
      data: loaderStream(source, config),
      outDir: paths.train,
      resume: state === 'partial',
      keepCheckpoints: options.keepCheckpoints,
      onLog: (line) => options.onLog?.(`round ${round}: ${line}`),
    });
    return {
      outcome: state === 'partial' ? 'resumed' : 'ran',
      iteration: result.iteration,
      finalLoss: result.lastLosses?.total_loss ?? lastLoggedMetrics(paths.train).totalLoss,
      finished: !result.interrupted,
    };
  } finally {
    model.dispose();
  }
}

export async function runSelfTraining(options: SelfTrainOptions): Promise<SelfTrainResult> {
  checkVideoTrainingConfig(options.config, options.configFile);
  const rounds = roundCount(options.config, options.rounds);
  if (!Number.isSafeInteger(rounds) || rounds < 1) {
    throw new TrainingSetupError(`rounds is ${rounds}; it must be a positive integer`);
  }
  if (!options.resume) {
    const found = existingRounds(options.outDir);
    if (found.length > 0) {
      throw new TrainingSetupError(
        `${options.outDir} already holds ${found.join(', ')}: continue it with resume, or choose another output directory`,
      );
    }
  }
  if (!existsSync(options.weights)) {
    throw new TrainingSetupError(`weights ${options.weights} do not exist`);
  }
  const dataset = loadYtvis(options.dataFile);
  const reports: RoundReport[] = [];
  const reportFile = join(options.outDir, REPORT_FILE);
  let weights = options.weights;
  let finalWeights: string | null = null;
  for (let round = 1; round <= rounds; round++) {
    const paths = roundPaths(options.outDir, round);
    const proposals = await proposalStage(options, dataset, paths, round, weights);
    const pseudo = await pseudoStage(options, paths, round);
    const trained = await trainStage(options, dataset, paths, round, weights);
    const report: RoundReport = {
      round,
      rounds,
      weightsIn: weights,
      weightsOut: paths.finalWeights,
      stages: { proposals, pseudo: pseudo.outcome, train: trained.outcome },
      pseudo: pseudo.summary,
      iteration: trained.iteration,
      finalLoss: trained.finalLoss,
      finished: trained.finished,
    };
    reports.push(report);
    writeJsonAtomic(reportFile, reports);
    options.onRound?.(report);
    if (!trained.finished) break;
    weights = paths.finalWeights;
    finalWeights = weights;
  }
  return { rounds: reports, finalWeights, reportFile };
}

/** One line per round: stages, pseudo mIoU and labelled objects, iterations and final loss. */
export function formatRoundReport(r: RoundReport): string {
  const s = r.pseudo;
  const miou = s.miou === null ? 'n/a (no ground truth)' : (100 * s.miou).toFixed(2);
  const loss = r.finalLoss === null ? 'n/a' : r.finalLoss.toFixed(4);
  return (
    `selftrain round ${r.round}/${r.rounds}: pseudo mIoU ${miou} (score ${s.score}, ` +
    `${s.objects_labelled}/${s.objects} objects labelled); train ${r.finished ? 'finished' : 'interrupted'} ` +
    `at iteration ${r.iteration}, final loss ${loss}; ` +
    `stages proposals ${r.stages.proposals}, pseudo ${r.stages.pseudo}, train ${r.stages.train}` +
    (r.finished ? `; weights ${r.weightsOut}` : '')
  );
}
