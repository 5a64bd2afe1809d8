/**
 * Evaluation: a model's predictions on the validation videos (MinVIS inference) scored with the
 * YouTube-VIS metrics on every category, on the categories shared with the image set, and on
 * the novel ones (evaluated as category subsets). Used after each training (eval/<model>.json,
 * plus Figure-1 overlay strips for some models) and during trainings (ap.jsonl).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PointvisConfig } from '../../model/config/index.js';
import { Mask2Former } from '../../model/mask2former/index.js';
import type { ImageModelFn } from '../../model/minvis/index.js';
import { CategoryMap } from '../data/index.js';
import type { EvalSummary, VisMetrics } from '../eval/index.js';
import { evaluateYtvisFiles } from '../eval/files.js';
import { readJsonFile } from '../formats/index.js';
import {
  type InferRunResult,
  datasetInput,
  frameModelFn,
  inferenceSettingsFromConfig,
  loadFrameModel,
  runInference,
} from '../infer/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import type { TrainOptions } from '../train/index.js';
import type { RunContext } from './context';
import { AP_LOG_FILE } from './layout';

export const METRIC_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100'] as const;

export interface SplitMetrics {
  all: VisMetrics;
  /** Null when the validation videos have no category of that kind. */
  shared: VisMetrics | null;
  novel: VisMetrics | null;
}

export interface ModelEvaluation extends SplitMetrics {
  model: string;
  weights: string;
  results: string;
  perCategory: EvalSummary['per_category'];
  /** Figure-1 strips (PNG), relative to the run directory's infer/<model>/figure. */
  strips: string[];
}

export interface ApRecord extends VisMetrics {
  iteration: number;
}

function headline(s: EvalSummary): VisMetrics {
  return Object.fromEntries(METRIC_KEYS.map((k) => [k, s[k]])) as unknown as VisMetrics;
}

/** The training videos' categories: the model's classes. */
function modelCategories(ctx: RunContext): CategoryMap {
  return new CategoryMap(ctx.data.videoCategories, ctx.data.trainVideos.annotations);
}

/** Scores a results file on all, shared and novel categories of the validation videos. */
export function scoreResults(ctx: RunContext, resultsFile: string): SplitMetrics & { summary: EvalSummary } {
  const gt = ctx.data.validVideos.annotations;
  const summary = evaluateYtvisFiles(gt, resultsFile);
  const present = new Set(summary.per_category.map((c) => c.id));
  const subset = (ids: number[]) => {
    const kept = ids.filter((id) => present.has(id));
    return kept.length === 0 ? null : headline(evaluateYtvisFiles(gt, resultsFile, { categoryIds: kept }));
  };
  return {
    summary,
    all: headline(summary),
    shared: subset(ctx.data.sharedCategoryIds),
    novel: subset(ctx.data.novelCategoryIds),
  };
}

async function predict(
  ctx: RunContext,
  fn: ImageModelFn,
  config: PointvisConfig,
  outDir: string,
  label: string,
  figure: { videos: number } | null = null,
): Promise<InferRunResult> {
  const input = datasetInput(ctx.data.validVideos.annotations, ctx.data.validVideos.root);
  const videos = figure === null ? input.videos : input.videos.slice(0, figure.videos);
  return runInference({
    input: { ...input, videos },
    outDir,
    modelFor: () => fn,
    modelName: label,
    settings: inferenceSettingsFromConfig(config),
    categories: modelCategories(ctx),
    overlays: figure === null ? null : { minScore: ctx.config.report.overlayScore },
    onProgress: (p) => ctx.hooks.onVideos?.(`infer ${label}`, p.videosDone, p.videosTotal),
  });
}

/** Inference + metrics of a trained model; Figure-1 strips when `figure`. */
export async function evaluateStage(
  ctx: RunContext,
  model: string,
  weights: string,
  config: PointvisConfig,
  figure: boolean,
): Promise<ModelEvaluation> {
  const loaded = loadFrameModel(config, weights);
  const dir = ctx.layout.infer(model);
  try {
    const run = await predict(ctx, loaded.fn, config, dir, model);
    let strips: string[] = [];
    if (figure && ctx.config.report.figureVideos > 0) {
      const drawn = await predict(ctx, loaded.fn, config, join(dir, 'figure'), `${model} (figure)`, {
        videos: ctx.config.report.figureVideos,
      });
      strips = drawn.strips;
    }
    const scores = scoreResults(ctx, run.resultsFile);
    const evaluation: ModelEvaluation = {
      model,
      weights,
      results: run.resultsFile,
      all: scores.all,
      shared: scores.shared,
      novel: scores.novel,
      perCategory: scores.summary.per_category,
      strips,
    };
    writeJsonAtomic(ctx.layout.evaluation(model), evaluation);
    const ap = (m: VisMetrics | null) => (m === null || m.AP < 0 ? 'n/a' : m.AP.toFixed(1));
    ctx.log(`eval ${model}: AP ${ap(scores.all)} (shared ${ap(scores.shared)}, novel ${ap(scores.novel)})`);
    return evaluation;
  } finally {
    loaded.dispose();
  }
}

export function readEvaluation(ctx: RunContext, model: string): ModelEvaluation | null {
  const file = ctx.layout.evaluation(model);
  return existsSync(file) ? (readJsonFile(file) as ModelEvaluation) : null;
}

/** The AP records of a training run (the last record of each iteration wins). */
export function readApLog(runDir: string): ApRecord[] {
  const file = join(runDir, AP_LOG_FILE);
  if (!existsSync(file)) return [];
  const byIteration = new Map<number, ApRecord>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as ApRecord;
      if (typeof record.iteration === 'number') byIteration.set(record.iteration, record);
    } catch {
      // a torn line: skip it
    }
  }
  return [...byIteration.values()].sort((a, b) => a.iteration - b.iteration);
}

/** Adds a record, dropping later ones (a resumed run recomputes them). */
function appendApRecord(runDir: string, record: ApRecord): void {
  const kept = readApLog(runDir).filter((r) => r.iteration < record.iteration);
  writeFileAtomic(join(runDir, AP_LOG_FILE), [...kept, record].map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/**
 * Every `test.evalPeriod` iterations (0: never; the final model is evaluated by its own stage),
 * the live model predicts the validation videos and its AP goes to <run>/ap.jsonl.
 */
export function trainingEvalHook(
  ctx: RunContext,
  label: string,
  runDir: string,
  model: unknown,
  config: PointvisConfig,
): TrainOptions<unknown>['periodic'] {
  const every = config.test.evalPeriod;
  if (every <= 0 || !(model instanceof Mask2Former)) return undefined;
  return {
    every,
    run: async (iteration) => {
      if (iteration >= config.solver.maxIter) return;
      model.eval();
      const dir = join(runDir, 'eval', `iter-${iteration}`);
      const run = await predict(ctx, frameModelFn(model), config, dir, `${label} @${iteration}`);
      const { all } = scoreResults(ctx, run.resultsFile);
      appendApRecord(runDir, { iteration, ...all });
      ctx.log(`${label}: validation AP at iteration ${iteration}: ${all.AP < 0 ? 'n/a' : all.AP.toFixed(1)}`);
    },
  };
}
