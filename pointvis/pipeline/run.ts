/**
 * `pointvis run`: every stage of the method in one process from one run config — data, points,
 * the image model, proposals, pseudo labels, every training of the chosen tables with its
 * evaluation, self-training — then the figures and report.md. Each finished stage leaves a
 * marker; with `resume` those stages are skipped and a half-done training continues from its
 * last checkpoint. Figures and the report are redrawn on every run from what is on disk.
 */
import type { RunContext } from './context';
import type { ExperimentPlan } from './plan';
import { readMarker, writeMarker } from './run-dir';
import { prepareData, readDataInfo } from './stage-data';
import { evaluateStage } from './stage-evaluate';
import { proposalsStage, pseudoStage, selftrainStage, selftrainWeights } from './stage-labels';
import { simulatePoints } from './stage-points';
import { pretrainStage, trainingConfig, videoTrainingStage } from './stage-train';
import { FINAL_MODEL_FILE } from '../train/index.js';
import { join } from 'node:path';

export interface StageRun {
  detail: unknown;
  /** A training stopped by the abort signal: the run stops after this stage, unmarked. */
  interrupted?: boolean;
}

export interface Stage {
  id: string;
  run: () => Promise<StageRun>;
}

const done = async <T>(work: Promise<T> | T): Promise<StageRun> => ({ detail: await work });

/** The ordered stages of a plan (figures and report are not stages: they always run). */
export function planStages(ctx: RunContext, plan: ExperimentPlan): Stage[] {
  const stages: Stage[] = [];
  const figures = new Set(plan.figureModels);
  const add = (id: string, run: () => Promise<StageRun>) => stages.push({ id, run });
  add('data', async () => {
    const info = prepareData(ctx.config, ctx.layout, (l) => ctx.log(l));
    ctx.setData(info);
    return { detail: { source: info.source, counts: info.counts } };
  });
  for (const spec of plan.points) add(`points:${spec.key}`, () => done(simulatePoints(ctx, spec)));
  add('pretrain', async () => {
    const outcome = await pretrainStage(ctx);
    return { detail: outcome, interrupted: outcome.interrupted };
  });
  if (plan.pseudo.length > 0 || plan.selftrains.length > 0) add('proposals', () => done(proposalsStage(ctx)));
  for (const spec of plan.pseudo) add(`pseudo:${spec.key}`, () => done(pseudoStage(ctx, spec)));
  for (const spec of plan.trainings) {
    add(`train:${spec.key}`, async () => {
      const outcome = await videoTrainingStage(ctx, spec);
      return { detail: outcome, interrupted: outcome.interrupted };
    });
    add(`evaluate:${spec.key}`, () =>
      done(
        evaluateStage(
          ctx,
          spec.key,
          join(ctx.layout.train(spec.key), FINAL_MODEL_FILE),
          trainingConfig(ctx, spec),
          figures.has(spec.key),
        ),
      ),
    );
  }
  for (const spec of plan.selftrains) {
    add(`selftrain:${spec.key}`, async () => {
      const outcome = await selftrainStage(ctx, spec);
      return { detail: outcome, interrupted: outcome.interrupted };
    });
    add(`evaluate:${spec.key}`, () =>
      done(
        evaluateStage(
          ctx,
          spec.key,
          selftrainWeights(ctx, spec),
          ctx.selfTrainingConfig(),
          figures.has(spec.key),
        ),
      ),
    );
  }
  return stages;
}

export interface StagesResult {
  /** Seconds per stage id: this session's for stages that ran, the marker's for skipped ones. */
  seconds: Map<string, number>;
  ran: string[];
  skipped: string[];
  interrupted: string | null;
}

/** Runs the stages in order, skipping marked ones when resuming; stops at an interrupted training. */
export async function runStages(ctx: RunContext, stages: readonly Stage[]): Promise<StagesResult> {
  const result: StagesResult = { seconds: new Map(), ran: [], skipped: [], interrupted: null };
  for (const [i, stage] of stages.entries()) {
    const event = { id: stage.id, index: i + 1, total: stages.length };
    const marker = ctx.resume ? readMarker(ctx.layout, stage.id) : null;
    if (marker !== null) {
      if (stage.id === 'data') ctx.setData(readDataInfo(ctx.layout));
      result.seconds.set(stage.id, marker.seconds);
      result.skipped.push(stage.id);
      ctx.hooks.onStage?.({ ...event, status: 'skipped', seconds: marker.seconds });
      continue;
    }
    ctx.hooks.onStage?.({ ...event, status: 'start' });
    const started = performance.now();
    const run = await stage.run();
    const seconds = (performance.now() - started) / 1000;
    if (run.interrupted) {
      ctx.hooks.onStage?.({ ...event, status: 'interrupted', seconds });
      result.interrupted = stage.id;
      return result;
    }
    writeMarker(ctx.layout, {
      id: stage.id,
      seconds,
      finishedAt: new Date().toISOString(),
      detail: run.detail,
    });
    result.seconds.set(stage.id, seconds);
    result.ran.push(stage.id);
    ctx.hooks.onStage?.({ ...event, status: 'done', seconds });
  }
  return result;
}
