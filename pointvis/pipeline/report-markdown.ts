/**
 * report.md from the run's numbers (report-tables.ts) and figures: metadata, the paper's tables
 * in its shape, pseudo-mask quality, shared vs novel categories, the targets with PASS / FAIL /
 * NOT RUN, and the pictures. Pure: everything it prints comes in as data.
 */
import { relative } from 'node:path';
import type { PseudoSummary } from '../pseudo/index.js';
import type { FigureIndex } from './figures';
import type { ExperimentPlan } from './plan';
import {
  type MetricsLookup,
  type RetentionRow,
  TABLE_METRICS,
  type TargetCheck,
  ablationOrderChecks,
  defined,
  matrixRows,
  novelCheck,
  retentionChecks,
  splitRows,
  table1Rows,
  table2Rows,
} from './report-tables';
import type { RunConfig } from './run-config';
import type { DataInfo } from './stage-data';

export interface StageTiming {
  id: string;
  status: 'ran' | 'skipped (finished before)' | 'not run';
  seconds: number | null;
}

export interface ReportInput {
  runDir: string;
  date: string;
  /** The run config as given (file or "embedded default"), and where the resolved one is. */
  configSource: string;
  config: RunConfig;
  plan: ExperimentPlan;
  data: DataInfo;
  environment: { adapter: string; node: string; charts: string };
  stages: StageTiming[];
  sessionSeconds: number;
  /** The stage a training was interrupted in (the report is partial), or null. */
  interrupted: string | null;
  lookup: MetricsLookup;
  pseudo: { label: string; summary: PseudoSummary | null }[];
  figures: FigureIndex;
}

const num = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));
const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${(seconds - 60 * m).toFixed(0)} s`;
}

function metricCells(row: RetentionRow, withRetention: boolean): string[] {
  return TABLE_METRICS.map((k) => {
    const value = num(defined(row.metrics?.[k]));
    const r = row.retention?.[k] ?? null;
    return withRetention && row.retention !== null ? `${value} (${pct(r)})` : value;
  });
}

function targetsTable(checks: readonly TargetCheck[]): string {
  return table(
    ['Target', 'Result', 'Detail'],
    checks.map((c) => [c.target, c.status === 'PASS' ? 'PASS' : `**${c.status}**`, c.detail]),
  );
}

function image(runDir: string, file: string, alt: string): string {
  return `![${alt}](${relative(runDir, file)})`;
}

function metadata(input: ReportInput): string {
  const { config, data } = input;
  const ran = input.stages.filter((s) => s.seconds !== null);
  const total = ran.reduce((t, s) => t + s.seconds!, 0);
  const names = (ids: number[]) =>
    ids.map((id) => data.videoCategories.find((c) => c.id === id)?.name ?? String(id)).join(', ') || 'none';
  const lines = [
    `- Date: ${input.date}`,
    `- Adapter: ${input.environment.adapter}; ${input.environment.node}; charts: ${input.environment.charts}`,
    `- Run config: ${input.configSource} (resolved: \`run-config.yaml\`)`,
    `- Image model: \`${config.imageModel.config}\`; video model: \`${config.videoModel.config}\``,
    `- Seeds: points ${config.seeds.points}, training ${config.seeds.training}` +
      (config.data.synth ? `, synth ${config.data.synth.seed}` : ''),
    `- Data: ${data.source}: ${data.counts.images} images; ${data.counts.trainVideos} training videos ` +
      `(${data.counts.trainFrames} frames); ${data.counts.validVideos} validation videos (${data.counts.validFrames} frames)`,
    `- Video categories shared with the images: ${names(data.sharedCategoryIds)}; novel: ${names(data.novelCategoryIds)}`,
    `- Wall time: ${duration(total)} over the stages (this session ${duration(input.sessionSeconds)})`,
  ];
  if (input.interrupted !== null) {
    lines.push(
      `- **Interrupted** in stage \`${input.interrupted}\`: this report is partial; continue with \`--resume\`.`,
    );
  }
  return lines.join('\n');
}

function stageTable(stages: readonly StageTiming[]): string {
  return table(
    ['Stage', 'Status', 'Time'],
    stages.map((s) => [`\`${s.id}\``, s.status, duration(s.seconds)]),
  );
}

export function renderReport(input: ReportInput): string {
  const { plan, lookup, runDir } = input;
  const out: string[] = ['# PointVIS report', '', metadata(input), ''];
  const checks: TargetCheck[] = [];

  let t1: RetentionRow[] | null = null;
  if (plan.table1) {
    t1 = table1Rows(plan.table1, lookup);
    out.push(
      '## Table 1: full masks vs points',
      '',
      `PointVIS ${input.config.selfTraining.rounds > 0 ? 'with self-training, as in the paper' : 'without self-training (selfTraining.rounds is 0)'}; in brackets: retention (value / fully supervised value).`,
      '',
      table(
        ['Model', 'Sup.', ...TABLE_METRICS],
        t1.map((r, i) => [
          r.label,
          i === 0 ? plan.table1!.full.supervision : plan.table1!.points[i - 1]!.supervision,
          ...metricCells(r, i > 0),
        ]),
      ),
      '',
    );
  }
  checks.push(...retentionChecks(t1, plan.table1, input.config.targets.retention));

  if (plan.table2) {
    const rows = table2Rows(plan.table2, lookup);
    out.push(
      `## Table 2: effect of each component (${plan.table2.scheme})`,
      '',
      'λ = (λ1 L_ann, λ2 L_cineg, λ3 L_maskness) of the point-based matcher; retention against the first row.',
      '',
      table(
        ['Model', 'Supervision', ...TABLE_METRICS, 'AP retention'],
        rows.map((r, i) => [
          r.label,
          i === 0 ? plan.table2!.full.supervision : plan.table2!.steps[i - 1]!.supervision,
          ...metricCells(r, false),
          i === 0 ? '-' : pct(r.retention?.AP ?? null),
        ]),
      ),
      '',
    );
    checks.push(...ablationOrderChecks(rows));
  }

  if (plan.table4) {
    out.push(
      '## Table 4: more points (AP)',
      '',
      table(
        ['Model', ...plan.table4.schemes],
        matrixRows(plan.table4.rows, lookup).map((r) => [r.label, ...r.values.map(num)]),
      ),
      '',
    );
  }
  if (plan.table6) {
    const t6 = plan.table6;
    const rows = matrixRows(t6.rows, lookup);
    const full = rows[0]!;
    out.push(
      `## Table 6: subsampled annotated frames (${t6.scheme}, without self-training; AP)`,
      '',
      'In brackets: retention against the fully supervised model trained on the same frames.',
      '',
      table(
        ['Model', 'Matching', ...t6.ratios.map((r) => `${(100 * r).toFixed(0)}%`)],
        rows.map((r, i) => [
          r.label,
          t6.rows[i]!.matching,
          ...r.values.map((v, j) => {
            const ref = full.values[j] ?? null;
            return i === 0 || v === null || ref === null || !(ref > 0)
              ? num(v)
              : `${num(v)} (${pct(v / ref)})`;
          }),
        ]),
      ),
      '',
    );
  }

  out.push(
    '## Pseudo-mask quality',
    '',
    'Mean IoU of the pseudo masks against the ground-truth masks over the point-annotated object-frames.',
    '',
    table(
      ['Pseudo labels', 'Matching', 'λ', 'Score', 'Objects labelled', 'mIoU'],
      input.pseudo.map(({ label, summary: s }) =>
        s === null
          ? [label, '-', '-', '-', 'not run', 'n/a']
          : [
              label,
              s.variant,
              s.lambda.join(','),
              s.score,
              `${s.objects_labelled}/${s.objects}`,
              s.miou === null ? 'n/a' : (100 * s.miou).toFixed(1),
            ],
      ),
    ),
    '',
  );

  const split = splitRows(plan.models, lookup);
  out.push(
    '## Shared vs novel categories (AP)',
    '',
    'Novel: video categories with no image category of the same name; each column is the YouTube-VIS AP over that subset of categories.',
    '',
    table(
      ['Model', 'All', 'Shared', 'Novel'],
      split.map((r) => [r.model, num(r.all), num(r.shared), num(r.novel)]),
    ),
    '',
  );
  checks.push(novelCheck(input.data.novelCategoryIds.length, split));

  const counts = (s: string) => checks.filter((c) => c.status === s).length;
  out.push(
    '## Targets',
    '',
    `${counts('PASS')} PASS, ${counts('FAIL')} FAIL, ${counts('NOT RUN')} NOT RUN. The ablation order holds when each step's AP is at least the previous one's (ties hold).`,
    '',
    targetsTable(checks),
    '',
  );

  const f = input.figures;
  out.push('## Figures', '');
  if (f.apFinal) out.push(image(runDir, f.apFinal, 'AP per model'), '');
  if (f.apCurves) out.push(image(runDir, f.apCurves, 'AP during training'), '');
  if (f.loss.length > 0) {
    out.push('### Loss curves', '');
    for (const l of f.loss) out.push(image(runDir, l.file, `loss ${l.label}`), '');
  }
  if (f.pseudoStrips.length > 0) {
    out.push('### Figure 3: points and pseudo masks (training videos)', '');
    for (const p of f.pseudoStrips) {
      out.push(`${p.label}:`, '', ...p.files.map((file) => image(runDir, file, p.label)), '');
    }
  }
  if (f.predictionStrips.length > 0) {
    out.push('### Figure 1: predictions on validation videos', '');
    for (const p of f.predictionStrips) {
      out.push(`${p.model}:`, '', ...p.files.map((file) => image(runDir, file, p.model)), '');
    }
  }
  out.push('## Stages', '', stageTable(input.stages), '');
  return `${out.join('\n')}\n`;
}
