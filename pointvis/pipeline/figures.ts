/**
 * The report's pictures, redrawn from what the run directory holds: a loss curve per training
 * (metrics.jsonl), AP during training (ap.jsonl, ending at the final evaluation), the final AP of
 * every model, Figure-3 strips of pseudo masks with their points, and the Figure-1 prediction
 * strips the evaluation stage drew.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYtvis } from '../formats/index.js';
import { METRICS_FILE } from '../train/index.js';
import { savePseudoStrips } from '../viz/index.js';
import type { RunContext } from './context';
import { type Series, writeBarChart, writeLineChart } from './curves';
import type { ExperimentPlan } from './plan';
import { type ModelEvaluation, readApLog } from './stage-evaluate';

export interface FigureIndex {
  loss: { label: string; file: string }[];
  apCurves: string | null;
  apFinal: string | null;
  pseudoStrips: { label: string; files: string[] }[];
  predictionStrips: { model: string; files: string[] }[];
}

export interface TrainingRun {
  label: string;
  dir: string;
  /** The evaluated model this run produced (null: the image model). */
  model: string | null;
}

/** Every training run of the plan: pretrain, the video trainings, each self-training round. */
export function trainingRuns(ctx: RunContext, plan: ExperimentPlan): TrainingRun[] {
  const runs: TrainingRun[] = [{ label: 'pretrain', dir: ctx.layout.pretrain, model: null }];
  for (const t of plan.trainings) runs.push({ label: t.key, dir: ctx.layout.train(t.key), model: t.key });
  for (const s of plan.selftrains) {
    for (let r = 1; r <= s.rounds; r++) {
      runs.push({
        label: `${s.key} round ${r}`,
        dir: join(ctx.layout.selftrain(s.key), `round-${r}`, 'train'),
        model: r === s.rounds ? s.key : null,
      });
    }
  }
  return runs;
}

type Records = Record<string, number>[];

export function readMetricsLog(dir: string): Records {
  const file = join(dir, METRICS_FILE);
  if (!existsSync(file)) return [];
  const records: Records = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as Record<string, number>);
    } catch {
      // a torn last line of an interrupted run
    }
  }
  return records;
}

/** total_loss and the headline loss terms (not the decoder layers' `_k` copies). */
export function lossSeries(records: Records): Series[] {
  const names = new Set<string>(['total_loss']);
  for (const r of records)
    for (const k of Object.keys(r)) if (k.startsWith('loss_') && !/_\d+$/.test(k)) names.add(k);
  return [...names].map((name) => ({
    name,
    points: records.filter((r) => typeof r[name] === 'number').map((r) => [r.iteration!, r[name]!] as const),
  }));
}

const safeName = (label: string) => label.replace(/[^A-Za-z0-9._-]+/g, '_');

export async function drawFigures(
  ctx: RunContext,
  plan: ExperimentPlan,
  evaluation: (model: string) => ModelEvaluation | null,
): Promise<FigureIndex> {
  const dir = ctx.layout.figures;
  const index: FigureIndex = {
    loss: [],
    apCurves: null,
    apFinal: null,
    pseudoStrips: [],
    predictionStrips: [],
  };
  const runs = trainingRuns(ctx, plan);
  for (const run of runs) {
    const records = readMetricsLog(run.dir);
    if (records.length === 0) continue;
    const file = join(dir, `loss-${safeName(run.label)}.svg`);
    await writeLineChart(file, {
      title: `Loss: ${run.label}`,
      xTitle: 'iteration',
      yTitle: 'loss (weighted)',
      series: lossSeries(records),
      logY: true,
    });
    index.loss.push({ label: run.label, file });
  }

  const apSeries: Series[] = [];
  for (const run of runs) {
    const log = readApLog(run.dir);
    if (log.length === 0) continue;
    const points: [number, number][] = log.map((r) => [r.iteration, r.AP]);
    const final = run.model === null ? null : evaluation(run.model);
    const last = readMetricsLog(run.dir).at(-1)?.iteration;
    if (final !== null && last !== undefined) points.push([last, final.all.AP]);
    apSeries.push({ name: run.label, points });
  }
  if (apSeries.length > 0) {
    index.apCurves = join(dir, 'ap-during-training.svg');
    await writeLineChart(index.apCurves, {
      title: 'Validation AP during training',
      xTitle: 'iteration',
      yTitle: 'AP',
      series: apSeries,
    });
  }

  const bars = plan.models.flatMap((m) => {
    const e = evaluation(m);
    return e === null || e.all.AP < 0 ? [] : [{ label: m, value: e.all.AP }];
  });
  if (bars.length > 0) {
    index.apFinal = join(dir, 'ap-per-model.svg');
    await writeBarChart(index.apFinal, { title: 'Validation AP per model', valueTitle: 'AP', bars });
  }

  const count = ctx.config.report.figureVideos;
  const framesRoot = ctx.data.trainVideos.root;
  const pseudoFiles = [
    ...plan.figurePseudo.map((key) => ({ label: key, file: ctx.layout.pseudo(key) })),
    ...plan.selftrains.flatMap((s) =>
      Array.from({ length: s.rounds }, (_, i) => ({
        label: `${s.key} round ${i + 1}`,
        file: join(ctx.layout.selftrain(s.key), `round-${i + 1}`, 'pseudo.json'),
      })),
    ),
  ];
  for (const { label, file } of pseudoFiles) {
    if (count === 0 || !existsSync(file)) continue;
    const files = savePseudoStrips(
      loadYtvis(file),
      framesRoot,
      join(dir, 'pseudo', safeName(label)),
      count,
      file,
    );
    index.pseudoStrips.push({ label, files });
  }
  for (const model of plan.figureModels) {
    const e = evaluation(model);
    if (e !== null && e.strips.length > 0) index.predictionStrips.push({ model, files: e.strips });
  }
  return index;
}
