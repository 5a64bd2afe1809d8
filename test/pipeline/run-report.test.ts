// The report's table and target logic on hand-made numbers (the paper's, where it has them), the
// experiment plan's sharing of trainings, the novel/shared split, and run-config loading errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VisMetrics } from '../../pointvis/eval/index.js';
import {
  type ExperimentPlan,
  type MetricsLookup,
  type RunConfig,
  ablationOrderChecks,
  checkModelConfigs,
  loadRunConfig,
  novelCheck,
  planExperiments,
  renderReport,
  retention,
  retentionChecks,
  splitCategories,
  splitRows,
  table1Rows,
  table2Rows,
} from '../../pointvis/pipeline/index.js';
import type { DataInfo } from '../../pointvis/pipeline/index.js';

const DEFAULT = 'configs/run/report-tiny.yaml';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function metrics(AP: number): VisMetrics {
  // Other metrics follow AP so a row's cells are recognisable.
  return {
    AP,
    AP50: AP + 20,
    AP75: AP + 5,
    APs: -1,
    APm: -1,
    APl: -1,
    AR1: AP - 5,
    AR10: AP + 3,
    AR100: AP + 3,
  };
}

/** A lookup over hand-made AP values by model key (missing key: not evaluated). */
function lookupOf(aps: Record<string, number>, novel: Record<string, number> = {}): MetricsLookup {
  return (model) =>
    model in aps
      ? {
          all: metrics(aps[model]!),
          shared: metrics(aps[model]!),
          novel: model in novel ? metrics(novel[model]!) : null,
        }
      : null;
}

const config = (overrides: string[] = []): RunConfig => loadRunConfig(DEFAULT, { overrides });

describe('retention and targets', () => {
  it('retention is value / reference, undefined without a positive reference', () => {
    expect(retention(53.9, 61.6)).toBeCloseTo(0.875, 12);
    expect(retention(59.6, 61.6)).toBeCloseTo(0.96753, 4);
    expect(retention(10, 0)).toBeNull();
    expect(retention(null, 50)).toBeNull();
    expect(retention(5, null)).toBeNull();
  });

  const plan = planExperiments(config());
  const t1 = plan.table1!;
  const [p1, p1n1] = t1.points.map((r) => r.model);

  it('Table 1 with the paper’s numbers: P1 keeps 87.5% (PASS at 85%), P1N1 96.8% (PASS at 90%)', () => {
    const rows = table1Rows(t1, lookupOf({ gt: 61.6, [p1!]: 53.9, [p1n1!]: 59.6 }));
    expect(rows[1]!.retention!.AP).toBeCloseTo(53.9 / 61.6, 12);
    expect(rows[1]!.retention!.AP50).toBeCloseTo(73.9 / 81.6, 12);
    const checks = retentionChecks(rows, t1, config().targets.retention);
    expect(checks.map((c) => c.status)).toEqual(['PASS', 'PASS']);
    expect(checks[0]!.detail).toBe('87.5% (53.9 / 61.6)');
  });

  it('a retention below its target FAILs; a missing model is NOT RUN; a zero upper bound FAILs', () => {
    const low = retentionChecks(table1Rows(t1, lookupOf({ gt: 60, [p1!]: 54, [p1n1!]: 53.9 })), t1, [
      { scheme: 'P1', min: 0.85 },
      { scheme: 'P1N1', min: 0.9 },
    ]);
    // 54 / 60 = 90% ≥ 85%; 53.9 / 60 = 89.8% < 90%.
    expect(low.map((c) => c.status)).toEqual(['PASS', 'FAIL']);
    const missing = retentionChecks(table1Rows(t1, lookupOf({ gt: 60, [p1!]: 54 })), t1, [
      { scheme: 'P1N1', min: 0.9 },
    ]);
    expect(missing[0]!.status).toBe('NOT RUN');
    const zero = retentionChecks(table1Rows(t1, lookupOf({ gt: 0, [p1!]: 0, [p1n1!]: 0 })), t1, [
      { scheme: 'P1', min: 0.85 },
    ]);
    expect(zero[0]!.status).toBe('FAIL');
    const notPlanned = retentionChecks(table1Rows(t1, lookupOf({ gt: 60 })), t1, [
      { scheme: 'P5N5', min: 0.5 },
    ]);
    expect(notPlanned[0]!.status).toBe('NOT RUN');
  });

  it('the ablation order: the paper’s Table 2 passes every step; one swap fails exactly that step', () => {
    const t2 = plan.table2!;
    const paper = [0.4, 9.7, 40.4, 45.7, 46.0, 47.3];
    const aps = (values: number[]) =>
      lookupOf(Object.fromEntries([['gt', 55.3], ...t2.steps.map((s, i) => [s.model, values[i]!])]));
    const ok = ablationOrderChecks(table2Rows(t2, aps(paper)));
    // 5 adjacent steps + the upper bound over the last step.
    expect(ok).toHaveLength(6);
    expect(ok.every((c) => c.status === 'PASS')).toBe(true);
    const swapped = ablationOrderChecks(table2Rows(t2, aps([0.4, 9.7, 45.7, 40.4, 46.0, 47.3])));
    expect(swapped.map((c) => c.status)).toEqual(['PASS', 'PASS', 'FAIL', 'PASS', 'PASS', 'PASS']);
    expect(swapped[2]!.target).toBe('AP(+ L_cineg) ≥ AP(PointVIS (P1) L_ann)');
    // Ties hold; an unevaluated step makes its comparisons NOT RUN.
    const ties = ablationOrderChecks(table2Rows(t2, aps([0, 0, 0, 0, 0, 0])));
    expect(ties.every((c) => c.status === 'PASS')).toBe(true);
    const partial = lookupOf({ gt: 55.3, [t2.steps[0]!.model]: 1 });
    expect(ablationOrderChecks(table2Rows(t2, partial))[0]!.status).toBe('NOT RUN');
  });
});

describe('shared and novel categories', () => {
  it('splits video categories by name against the image categories (case and spaces ignored)', () => {
    const images = [
      { id: 7, name: 'Person' },
      { id: 9, name: 'dog' },
    ];
    const videos = [
      { id: 1, name: 'person' },
      { id: 2, name: 'giraffe' },
      { id: 3, name: ' Dog ' },
      { id: 4, name: 'kite' },
    ];
    expect(splitCategories(images, videos)).toEqual({ shared: [1, 3], novel: [2, 4] });
  });

  it('reports novel AP apart: PASS with a value, NOT RUN without novel categories or ground truth', () => {
    const rows = splitRows(['a', 'b'], lookupOf({ a: 30, b: 20 }, { a: 10 }));
    expect(rows).toEqual([
      { model: 'a', all: 30, shared: 30, novel: 10 },
      { model: 'b', all: 20, shared: 20, novel: null },
    ]);
    expect(novelCheck(2, rows).status).toBe('PASS');
    expect(novelCheck(0, rows).status).toBe('NOT RUN');
    expect(novelCheck(2, splitRows(['b'], lookupOf({ b: 20 }))).status).toBe('NOT RUN');
  });
});

describe('experiment plan', () => {
  it('the default tables need 7 trainings and 2 self-training runs, each once', () => {
    const plan = planExperiments(config());
    expect(plan.trainings.map((t) => t.key).sort()).toEqual(
      [
        'gt',
        'pointvis-P1-l5-0-0',
        'pointvis-P1-l5-5-0',
        'pointvis-P1-l5-5-2',
        'pointvis-P1N1-l5-5-2',
        'visp-P1',
        'visp-cineg-P1',
      ].sort(),
    );
    expect(plan.selftrains.map((s) => [s.key, s.from])).toEqual([
      ['st1-pointvis-P1-l5-5-2', 'pointvis-P1-l5-5-2'],
      ['st1-pointvis-P1N1-l5-5-2', 'pointvis-P1N1-l5-5-2'],
    ]);
    expect(plan.points.map((p) => p.key)).toEqual(['P1', 'P1N1']);
    expect(plan.models).toHaveLength(9);
    // Table 1's P1 row and Table 2's last row are the same self-trained model.
    expect(plan.table1!.points[0]!.model).toBe(plan.table2!.steps.at(-1)!.model);
  });

  it('the studies add Tables 4 and 6, reusing what Tables 1 and 2 trained', () => {
    const plan = planExperiments(config(['experiments.studies=true']));
    // Table 4: 4 schemes x 3 rows = 12 cells, 4 of them (visp-P1, visp-cineg-P1, P1 and P1N1
    // full) already trained; Table 6: 3 ratios x 3 rows = 9 cells, 2 already trained (gt, P1N1 full).
    expect(plan.trainings).toHaveLength(7 + 8 + 7);
    expect(new Set(plan.trainings.map((t) => t.key)).size).toBe(plan.trainings.length);
    expect(plan.table6!.rows[0]!.models).toEqual(['gt-f0.1', 'gt-f0.5', 'gt']);
    expect(plan.table6!.rows[2]!.models[2]).toBe('pointvis-P1N1-l5-5-2');
    expect(plan.table6!.rows[1]!.models[0]).toBe('pf-P1N1-f0.1-l5-5-2');
    expect(plan.points.map((p) => p.key).sort()).toEqual(
      ['P1', 'P10', 'P1N1', 'P1N1-f0.1', 'P1N1-f0.5', 'P5N5'].sort(),
    );
  });

  it('without self-training rounds, Table 1 uses the pseudo-mask models', () => {
    const plan = planExperiments(config(['selfTraining.rounds=0']));
    expect(plan.selftrains).toEqual([]);
    expect(plan.table1!.points[0]!.model).toBe('pointvis-P1-l5-5-2');
    expect(plan.table2!.steps).toHaveLength(5);
  });
});

function dataInfo(): DataInfo {
  const files = { annotations: '/d/a.json', root: '/d/a' };
  return {
    source: 'test',
    images: files,
    trainVideos: files,
    validVideos: files,
    imageCategories: [{ id: 1, name: 'a' }],
    videoCategories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
    sharedCategoryIds: [1],
    novelCategoryIds: [2],
    counts: { images: 1, trainVideos: 1, validVideos: 1, trainFrames: 1, validFrames: 1 },
  };
}

function report(plan: ExperimentPlan, lookup: MetricsLookup): string {
  return renderReport({
    runDir: '/run',
    date: 'today',
    configSource: 'test',
    config: config(),
    plan,
    data: dataInfo(),
    environment: { adapter: 'none', node: 'node', charts: 'none' },
    stages: [{ id: 'data', status: 'ran', seconds: 1.5 }],
    sessionSeconds: 2,
    interrupted: null,
    lookup,
    pseudo: [{ label: 'p', summary: null }],
    figures: {
      loss: [{ label: 'gt', file: '/run/figures/loss-gt.svg' }],
      apCurves: null,
      apFinal: null,
      pseudoStrips: [],
      predictionStrips: [],
    },
  });
}

describe('report.md', () => {
  it('prints Table 1 with retention, Table 2, the split and every target, FAILs visible', () => {
    const plan = planExperiments(config());
    const [p1, p1n1] = plan.table1!.points.map((r) => r.model);
    const steps = plan.table2!.steps.map((s) => s.model);
    const aps: Record<string, number> = { gt: 61.6, [p1!]: 53.9, [p1n1!]: 50 };
    [0.4, 9.7, 40.4, 45.7, 46.0].forEach((v, i) => (aps[steps[i]!] = v));
    const text = report(plan, lookupOf(aps, { gt: 12.5 }));
    expect(text).toContain('| Fully supervised | M | 61.6 | 81.6 | 66.6 | 56.6 | 64.6 |');
    expect(text).toContain('| PointVIS (P1, self-trained) | P1 | 53.9 (87.5%) |');
    // 50 / 61.6 = 81.2% < 90%.
    expect(text).toMatch(
      /PointVIS \(P1N1\) keeps ≥ 90% of the fully supervised AP \| \*\*FAIL\*\* \| 81\.2%/,
    );
    expect(text).toContain('| VISP (P1) | points | 0.4 |');
    expect(text).toContain('| gt | 61.6 | 61.6 | 12.5 |');
    expect(text).toContain('| p | - | - | - | not run | n/a |');
    expect(text).toContain('![loss gt](figures/loss-gt.svg)');
    expect(text).toMatch(/\d+ PASS, 1 FAIL, \d+ NOT RUN/);
  });
});

describe('run config loading', () => {
  function files(contents: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'pointvis-runcfg-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(contents)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  }
  const base = resolve('configs/run/base.yaml');

  it('resolves each path relative to the file that set it, overrides relative to the working directory', () => {
    const dir = files({
      'a/parent.yaml': `_base_: ${base}\nimageModel: {config: models/image.yaml}\n`,
      'b/child.yaml': `_base_: ../a/parent.yaml\ndata:\n  images: {annotations: i.json, root: i}\n  trainVideos: {annotations: t.json, root: t}\n  validVideos: {annotations: v.json, root: v}\n`,
    });
    const c = loadRunConfig(join(dir, 'b/child.yaml'), { overrides: ['data.validVideos.root=elsewhere'] });
    expect(c.imageModel.config).toBe(join(dir, 'a/models/image.yaml'));
    expect(c.data.images!.annotations).toBe(join(dir, 'b/i.json'));
    expect(c.data.validVideos!.root).toBe(resolve('elsewhere'));
    expect(c.videoModel.config).toBe(resolve('configs/pointvis/cpu-tiny.yaml'));
  });

  it('the embedded default and its model configs load', () => {
    const c = config();
    expect(c.data.synth).toEqual({
      preset: 'tiny',
      seed: 0,
      images: { train: 240, valid: 16 },
      videos: null,
      frames: null,
    });
    expect(() => checkModelConfigs(c)).not.toThrow();
  });

  it.each(['gpu-medium-swin-t', 'gpu-medium-swin-l'])(
    'the GPU run config %s and its model configs load',
    (name) => {
      const c = loadRunConfig(`configs/run/${name}.yaml`);
      expect(c.data.synth?.preset).toBe('medium');
      expect(() => checkModelConfigs(c)).not.toThrow();
    },
  );

  it('names the file and key of every problem', () => {
    const dir = files({
      'both.yaml': `_base_: ${base}\ndata:\n  synth: {preset: tiny}\n  images: {annotations: i.json, root: i}\n`,
      'none.yaml': `_base_: ${base}\n`,
      'typo.yaml': `_base_: ${base}\ndata: {synth: {preset: tiny}}\nseeds: {point: 3}\n`,
      'over.yaml': `_base_: ${base}\ndata: {synth: {preset: tiny}}\nvideoModel: {overrides: [1]}\n`,
    });
    expect(() => loadRunConfig(join(dir, 'both.yaml'))).toThrow(/both\.yaml: data: give either synth or/);
    expect(() => loadRunConfig(join(dir, 'none.yaml'))).toThrow(
      /data: no data: set synth .* \(missing: images, trainVideos, validVideos\)/,
    );
    expect(() => loadRunConfig(join(dir, 'typo.yaml'))).toThrow(
      /typo\.yaml: seeds\.point: unknown key \(did you mean 'points'\?\)/,
    );
    expect(() => loadRunConfig(join(dir, 'over.yaml'))).toThrow(
      /over\.yaml: videoModel\.overrides: must be a mapping/,
    );
    expect(() => config(['experiments.tables=[1,3]'])).toThrow(
      /experiments\.tables\.1: 3 is not one of 1, 2, 4, 6/,
    );
    expect(() => config(['data.synth.frames=[5,2]'])).toThrow(/data\.synth\.frames: min 5 is above max 2/);
  });
});
