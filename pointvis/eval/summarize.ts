import { precisionIndex, recallIndex, type Accumulated } from './accumulate';
import type { EvalProtocol } from './cell';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from './linspace';
import { numpyMean } from './numpy-sum';

/** The headline numbers, on a 0–100 scale (official × 100); -1 where undefined (no ground truth counts). */
export interface VisMetrics {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  AR1: number;
  AR10: number;
  AR100: number;
}

export interface CategoryAp {
  id: number;
  name: string;
  /** 0–100; -1 when the category has no ground truth that counts. */
  AP: number;
}

export interface EvalSummary extends VisMetrics {
  per_category: CategoryAp[];
}

/** Official `_summarize`: mean over every entry that is not -1; -1 if all are. */
function meanDefined(values: number[]): number {
  const defined = values.filter((v) => v > -1);
  return defined.length === 0 ? -1 : numpyMean(defined);
}

function toPercent(value: number): number {
  return value === -1 ? -1 : value * 100;
}

interface Selection {
  thresholds: number[];
  categories: number[];
  area: number;
  maxDet: number;
}

function averagePrecision(acc: Accumulated, protocol: EvalProtocol, s: Selection): number {
  const values: number[] = [];
  for (const t of s.thresholds) {
    for (let r = 0; r < RECALL_THRESHOLDS.length; r++) {
      for (const k of s.categories)
        values.push(acc.precision[precisionIndex(acc, protocol, t, r, k, s.area, s.maxDet)]);
    }
  }
  return toPercent(meanDefined(values));
}

function averageRecall(acc: Accumulated, protocol: EvalProtocol, s: Selection): number {
  const values: number[] = [];
  for (const t of s.thresholds) {
    for (const k of s.categories) values.push(acc.recall[recallIndex(acc, protocol, t, k, s.area, s.maxDet)]);
  }
  return toPercent(meanDefined(values));
}

function indexOfOrThrow<T>(list: readonly T[], value: T, what: string): number {
  const i = list.indexOf(value);
  if (i < 0) throw new Error(`evaluation protocol has no ${what} ${String(value)}`);
  return i;
}

/** The official summary (stats[0..8]) plus AP per category, from accumulated tables. */
export function summarize(
  acc: Accumulated,
  protocol: EvalProtocol,
  categories: readonly { id: number; name: string }[],
): EvalSummary {
  const allThresholds = Array.from(IOU_THRESHOLDS.keys());
  const allCategories = Array.from({ length: acc.categoryCount }, (_, k) => k);
  const threshold = (value: number) => indexOfOrThrow(Array.from(IOU_THRESHOLDS), value, 'IoU threshold');
  const area = (label: string) => indexOfOrThrow(protocol.areaLabels, label, 'area range');
  const last = protocol.maxDets.length - 1;
  // AR1 / AR10 / AR100 are the recalls at maxDets[0], [1], [2], as in the official stats.
  const base: Selection = {
    thresholds: allThresholds,
    categories: allCategories,
    area: area('all'),
    maxDet: last,
  };
  return {
    AP: averagePrecision(acc, protocol, base),
    AP50: averagePrecision(acc, protocol, { ...base, thresholds: [threshold(0.5)] }),
    AP75: averagePrecision(acc, protocol, { ...base, thresholds: [threshold(0.75)] }),
    APs: averagePrecision(acc, protocol, { ...base, area: area('small') }),
    APm: averagePrecision(acc, protocol, { ...base, area: area('medium') }),
    APl: averagePrecision(acc, protocol, { ...base, area: area('large') }),
    AR1: averageRecall(acc, protocol, { ...base, maxDet: 0 }),
    AR10: averageRecall(acc, protocol, { ...base, maxDet: 1 }),
    AR100: averageRecall(acc, protocol, { ...base, maxDet: 2 }),
    per_category: categories.map((category, k) => ({
      id: category.id,
      name: category.name,
      AP: averagePrecision(acc, protocol, { ...base, categories: [k] }),
    })),
  };
}
