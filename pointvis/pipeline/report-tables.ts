/**
 * The report's numbers, apart from how they are printed: the tables' rows from the plan and the
 * evaluations, retention (a value over the fully supervised one), and the targets with PASS /
 * FAIL / NOT RUN — a target whose numbers are missing or undefined is never counted as met.
 */
import type { VisMetrics } from '../eval/index.js';
import type { ExperimentPlan, TableRow } from './plan';
import type { SplitMetrics } from './stage-evaluate';

export const TABLE_METRICS = ['AP', 'AP50', 'AP75', 'AR1', 'AR10'] as const;
export type TableMetric = (typeof TABLE_METRICS)[number];

/** Metrics by model key (absent: not evaluated, e.g. a run stopped early). */
export type MetricsLookup = (model: string) => SplitMetrics | null;

/** A defined metric value (the evaluator's -1 means "no ground truth counted"). */
export function defined(value: number | undefined | null): number | null {
  return value === undefined || value === null || value < 0 ? null : value;
}

/** value / reference, or null when either is missing or the reference is not positive. */
export function retention(value: number | null, reference: number | null): number | null {
  if (value === null || reference === null || !(reference > 0)) return null;
  return value / reference;
}

export interface MetricRow {
  label: string;
  model: string;
  metrics: VisMetrics | null;
}

export interface RetentionRow extends MetricRow {
  /** Per metric: this row / the fully supervised row (null: undefined). */
  retention: Record<TableMetric, number | null> | null;
}

export type TargetStatus = 'PASS' | 'FAIL' | 'NOT RUN';

export interface TargetCheck {
  target: string;
  status: TargetStatus;
  detail: string;
}

const rowOf = (row: TableRow, lookup: MetricsLookup): MetricRow => ({
  label: row.label,
  model: row.model,
  metrics: lookup(row.model)?.all ?? null,
});

function withRetention(row: MetricRow, reference: VisMetrics | null): RetentionRow {
  if (row.metrics === null || reference === null) return { ...row, retention: null };
  const r = Object.fromEntries(
    TABLE_METRICS.map((k) => [k, retention(defined(row.metrics![k]), defined(reference[k]))]),
  ) as Record<TableMetric, number | null>;
  return { ...row, retention: r };
}

/** Table 1: the fully supervised model, then each point scheme with its retention. */
export function table1Rows(
  plan: NonNullable<ExperimentPlan['table1']>,
  lookup: MetricsLookup,
): RetentionRow[] {
  const full = rowOf(plan.full, lookup);
  return [
    { ...full, retention: null },
    ...plan.points.map((r) => withRetention(rowOf(r, lookup), full.metrics)),
  ];
}

/** Table 2: the upper bound, then the ablation steps in the paper's order (with retention). */
export function table2Rows(
  plan: NonNullable<ExperimentPlan['table2']>,
  lookup: MetricsLookup,
): RetentionRow[] {
  const full = rowOf(plan.full, lookup);
  return [
    { ...full, retention: null },
    ...plan.steps.map((r) => withRetention(rowOf(r, lookup), full.metrics)),
  ];
}

function ap(row: MetricRow): number | null {
  return defined(row.metrics?.AP);
}

const fmt = (v: number) => v.toFixed(1);

/**
 * The paper's ablation order: each step's AP is at least the previous step's (ties hold), and
 * the fully supervised model is at least the last step. One check per comparison.
 */
export function ablationOrderChecks(rows: readonly RetentionRow[]): TargetCheck[] {
  const [full, ...steps] = rows;
  const checks: TargetCheck[] = [];
  const compare = (lower: MetricRow, upper: MetricRow): TargetCheck => {
    const target = `AP(${upper.label}) ≥ AP(${lower.label})`;
    const a = ap(lower);
    const b = ap(upper);
    if (a === null || b === null) {
      return { target, status: 'NOT RUN', detail: `missing AP (${a === null ? lower.label : upper.label})` };
    }
    return { target, status: b >= a ? 'PASS' : 'FAIL', detail: `${fmt(b)} vs ${fmt(a)}` };
  };
  for (let i = 1; i < steps.length; i++) checks.push(compare(steps[i - 1]!, steps[i]!));
  if (full !== undefined && steps.length > 0) checks.push(compare(steps[steps.length - 1]!, full));
  return checks;
}

/** The retention targets: AP of the scheme's Table 1 row / AP of the fully supervised row ≥ min. */
export function retentionChecks(
  rows: readonly RetentionRow[] | null,
  plan: ExperimentPlan['table1'],
  targets: readonly { scheme: string; min: number }[],
): TargetCheck[] {
  return targets.map(({ scheme, min }) => {
    const target = `PointVIS (${scheme}) keeps ≥ ${(100 * min).toFixed(0)}% of the fully supervised AP`;
    const index = plan?.points.findIndex((r) => r.scheme === scheme) ?? -1;
    if (rows === null || index < 0) {
      return {
        target,
        status: 'NOT RUN' as const,
        detail: `${scheme} is not in experiments.table1Schemes (or Table 1 is off)`,
      };
    }
    const row = rows[index + 1]!;
    const full = rows[0]!;
    const value = ap(row);
    const reference = ap(full);
    if (value === null || reference === null) {
      return {
        target,
        status: 'NOT RUN' as const,
        detail: `missing AP (${value === null ? row.label : full.label})`,
      };
    }
    const r = retention(value, reference);
    if (r === null) {
      return {
        target,
        status: 'FAIL' as const,
        detail: `the fully supervised AP is ${fmt(reference)}: retention undefined`,
      };
    }
    return {
      target,
      status: r >= min ? ('PASS' as const) : ('FAIL' as const),
      detail: `${(100 * r).toFixed(1)}% (${fmt(value)} / ${fmt(reference)})`,
    };
  });
}

export interface SplitRow {
  model: string;
  all: number | null;
  shared: number | null;
  novel: number | null;
}

/** AP on every, shared and novel category, per evaluated model. */
export function splitRows(models: readonly string[], lookup: MetricsLookup): SplitRow[] {
  return models.map((model) => {
    const m = lookup(model);
    return {
      model,
      all: defined(m?.all.AP),
      shared: defined(m?.shared?.AP),
      novel: defined(m?.novel?.AP),
    };
  });
}

/**
 * The check that novel categories are reported apart: PASS when some model has an AP on them;
 * NOT RUN when the data has no novel category, or the validation videos show none (AP undefined).
 */
export function novelCheck(novelCategories: number, rows: readonly SplitRow[]): TargetCheck {
  const target = 'novel categories reported apart from shared ones';
  if (novelCategories === 0) {
    return { target, status: 'NOT RUN', detail: 'every video category is also an image category' };
  }
  if (rows.every((r) => r.all === null)) {
    return { target, status: 'NOT RUN', detail: 'no model was evaluated' };
  }
  const reported = rows.filter((r) => r.novel !== null).length;
  return reported > 0
    ? {
        target,
        status: 'PASS',
        detail: `${novelCategories} novel categories, AP reported for ${reported} models`,
      }
    : { target, status: 'NOT RUN', detail: 'the validation videos hold no object of a novel category' };
}

/** A matrix table (Tables 4 and 6): AP per cell. */
export function matrixRows(
  rows: readonly { label: string; models: string[] }[],
  lookup: MetricsLookup,
): { label: string; values: (number | null)[] }[] {
  return rows.map((r) => ({ label: r.label, values: r.models.map((m) => defined(lookup(m)?.all.AP)) }));
}
