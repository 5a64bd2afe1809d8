/**
 * The whole run: settle the run directory and config, plan the experiments, run the stages
 * (skipping finished ones on resume), then draw the figures and write report.md from whatever
 * the run directory holds — also after an interrupted training, as a partial report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { version as vegaVersion } from 'vega';
import { version as vegaLiteVersion } from 'vega-lite';
import { readJsonFile } from '../formats/index.js';
import { writeFileAtomic } from '../io/atomic-write';
import { type PseudoSummary, summaryPath } from '../pseudo/index.js';
import { type PipelineHooks, RunContext } from './context';
import { drawFigures } from './figures';
import { RunLayout } from './layout';
import { type ExperimentPlan, planExperiments } from './plan';
import { type ReportInput, type StageTiming, renderReport } from './report-markdown';
import type { MetricsLookup } from './report-tables';
import { planStages, runStages } from './run';
import type { RunConfig } from './run-config';
import { checkModelConfigs } from './run-config-load';
import { checkRunDir, readMarker, settleRunConfig } from './run-dir';
import { type ModelEvaluation, readEvaluation } from './stage-evaluate';

export interface PipelineOptions extends PipelineHooks {
  /** The run config; null on resume: the one stored in the run directory. */
  config: RunConfig | null;
  /** How the report names the config ("configs/run/report-tiny.yaml (embedded default)"). */
  configSource: string;
  outDir: string;
  resume: boolean;
  /** The engine's adapter, as the report states it. */
  adapter: string;
}

export interface PipelineResult {
  reportFile: string;
  /** The stage an interrupted training stopped in (null: the run finished). */
  interrupted: string | null;
  ran: string[];
  skipped: string[];
  seconds: number;
}

function pseudoTable(ctx: RunContext, plan: ExperimentPlan): ReportInput['pseudo'] {
  const read = (file: string): PseudoSummary | null => {
    const path = summaryPath(file);
    return existsSync(path) ? (readJsonFile(path) as PseudoSummary) : null;
  };
  return [
    ...plan.pseudo.map((p) => ({ label: p.key, summary: read(ctx.layout.pseudo(p.key)) })),
    ...plan.selftrains.flatMap((s) =>
      Array.from({ length: s.rounds }, (_, i) => ({
        label: `${s.key} round ${i + 1} (confidence)`,
        summary: read(join(ctx.layout.selftrain(s.key), `round-${i + 1}`, 'pseudo.json')),
      })),
    ),
  ];
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const layout = new RunLayout(options.outDir);
  checkRunDir(layout, options.resume);
  if (options.config !== null) checkModelConfigs(options.config);
  const config = settleRunConfig(layout, options.resume, options.config);
  if (options.config === null) checkModelConfigs(config);
  const ctx = new RunContext(config, layout, options.resume, options);
  const plan = planExperiments(config);
  const stages = planStages(ctx, plan);
  options.onLog?.(
    `${stages.length} stages: ${plan.trainings.length} video trainings, ${plan.selftrains.length} self-training runs, ` +
      `${plan.models.length} models to evaluate, in ${layout.root}`,
  );
  const result = await runStages(ctx, stages);

  const evaluations = new Map<string, ModelEvaluation | null>();
  const evaluation = (model: string) => {
    if (!evaluations.has(model)) evaluations.set(model, readEvaluation(ctx, model));
    return evaluations.get(model)!;
  };
  const lookup: MetricsLookup = (model) => evaluation(model);
  const figures = await drawFigures(ctx, plan, evaluation);
  const timings: StageTiming[] = stages.map((s) => {
    if (result.ran.includes(s.id)) return { id: s.id, status: 'ran', seconds: result.seconds.get(s.id)! };
    if (result.skipped.includes(s.id)) {
      return {
        id: s.id,
        status: 'skipped (finished before)',
        seconds: readMarker(layout, s.id)?.seconds ?? null,
      };
    }
    return { id: s.id, status: 'not run', seconds: null };
  });
  const seconds = (performance.now() - started) / 1000;
  const report = renderReport({
    runDir: layout.root,
    date: new Date().toISOString(),
    configSource: options.configSource,
    config,
    plan,
    data: ctx.data,
    environment: {
      adapter: options.adapter,
      node: `Node ${process.version}`,
      charts: `vega ${vegaVersion}, vega-lite ${vegaLiteVersion}`,
    },
    stages: timings,
    sessionSeconds: seconds,
    interrupted: result.interrupted,
    lookup,
    pseudo: pseudoTable(ctx, plan),
    figures,
  });
  writeFileAtomic(layout.report, report);
  options.onLog?.(
    `report ${layout.report}; ${figures.loss.length} loss curves and the other figures in ${layout.figures}`,
  );
  return {
    reportFile: layout.report,
    interrupted: result.interrupted,
    ran: result.ran,
    skipped: result.skipped,
    seconds,
  };
}
