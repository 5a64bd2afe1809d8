/**
 * The experiment plan of a run: which point sets, pseudo-label sets, trainings, self-training
 * runs and evaluated models the chosen tables need, each named by its inputs. A table asks for a
 * model by key; two tables asking for the same inputs get the same key, so the plan lists it
 * once and it is trained once.
 */
import type { RunConfig } from './run-config';
import { tablesOf } from './run-config';

export type Lambda = [number, number, number];

export interface PointsSpec {
  key: string;
  scheme: string;
  /** Fraction of each video's frames annotated (MinVIS's rule). */
  frameRatio: number;
}

export interface PseudoSpec {
  key: string;
  points: string;
  /** Spatio-temporal (the method) or per-frame (PF) matching. */
  variant: 'pointvis' | 'pf';
  lambda: Lambda;
}

export type TrainSpec =
  | { key: string; kind: 'gt'; frameRatio: number }
  | { key: string; kind: 'visp' | 'visp-cineg'; points: string }
  | { key: string; kind: 'pseudo'; pseudo: string; points: string };

export interface SelfTrainSpec {
  key: string;
  /** The pseudo-mask training it starts from. */
  from: string;
  points: string;
  lambda: Lambda;
  rounds: number;
}

export interface TableRow {
  label: string;
  /** The evaluated model's key. */
  model: string;
  /** What supervises it, for the table: "masks", "points", "λ 5,5,2", "λ 5,5,2 + self-training". */
  supervision: string;
}

export interface Table1Plan {
  full: TableRow;
  points: (TableRow & { scheme: string })[];
}

export interface Table2Plan {
  scheme: string;
  full: TableRow;
  /** VISP, VISP+CINeg, L_ann, +L_cineg, +L_maskness, +self-training: the paper's ablation order. */
  steps: TableRow[];
}

export interface Table4Plan {
  schemes: string[];
  /** Rows VISP, VISP+CINeg, PointVIS; a model key per scheme. */
  rows: { label: string; models: string[] }[];
}

export interface Table6Plan {
  scheme: string;
  ratios: number[];
  rows: { label: string; matching: string; models: string[] }[];
}

export interface ExperimentPlan {
  points: PointsSpec[];
  pseudo: PseudoSpec[];
  trainings: TrainSpec[];
  selftrains: SelfTrainSpec[];
  /** Every model evaluated on the validation videos (trainings and self-training runs). */
  models: string[];
  table1: Table1Plan | null;
  table2: Table2Plan | null;
  table4: Table4Plan | null;
  table6: Table6Plan | null;
  /** Pseudo sets drawn as Figure-3 strips, models drawn as Figure-1 strips. */
  figurePseudo: string[];
  figureModels: string[];
}

/** `P1` at ratio 1, `P1N1-f0.1` at 0.1. */
export function pointsKey(scheme: string, frameRatio: number): string {
  return frameRatio === 1 ? scheme : `${scheme}-f${frameRatio}`;
}

export function lambdaKey(lambda: readonly number[]): string {
  return `l${lambda.join('-')}`;
}

export function pseudoKey(variant: PseudoSpec['variant'], points: string, lambda: readonly number[]): string {
  return `${variant}-${points}-${lambdaKey(lambda)}`;
}

export function gtKey(frameRatio: number): string {
  return frameRatio === 1 ? 'gt' : `gt-f${frameRatio}`;
}

export function selftrainKey(rounds: number, from: string): string {
  return `st${rounds}-${from}`;
}

/** Collects specs by key, keeping the first of each. */
class Registry<T extends { key: string }> {
  readonly items: T[] = [];
  add(item: T): string {
    if (!this.items.some((x) => x.key === item.key)) this.items.push(item);
    return item.key;
  }
}

function asLambda(values: readonly number[]): Lambda {
  return [values[0]!, values[1]!, values[2]!];
}

export function planExperiments(config: RunConfig): ExperimentPlan {
  const tables = tablesOf(config);
  const points = new Registry<PointsSpec>();
  const pseudo = new Registry<PseudoSpec>();
  const trainings = new Registry<TrainSpec>();
  const selftrains = new Registry<SelfTrainSpec>();
  const full = asLambda(config.matcher.full);
  const rounds = config.selfTraining.rounds;

  const pointSet = (scheme: string, frameRatio = 1) =>
    points.add({ key: pointsKey(scheme, frameRatio), scheme, frameRatio });
  const gt = (frameRatio = 1) => trainings.add({ key: gtKey(frameRatio), kind: 'gt', frameRatio });
  const baseline = (kind: 'visp' | 'visp-cineg', scheme: string) => {
    const p = pointSet(scheme);
    return trainings.add({ key: `${kind}-${p}`, kind, points: p });
  };
  const pseudoModel = (
    scheme: string,
    lambda: Lambda,
    variant: PseudoSpec['variant'] = 'pointvis',
    frameRatio = 1,
  ) => {
    const p = pointSet(scheme, frameRatio);
    const key = pseudo.add({ key: pseudoKey(variant, p, lambda), points: p, variant, lambda });
    return trainings.add({ key, kind: 'pseudo', pseudo: key, points: p });
  };
  /** The full method with self-training (without, when rounds is 0). */
  const selfTrained = (scheme: string) => {
    const from = pseudoModel(scheme, full);
    if (rounds === 0) return from;
    const p = pointsKey(scheme, 1);
    return selftrains.add({ key: selftrainKey(rounds, from), from, points: p, lambda: full, rounds });
  };
  const stLabel = rounds > 0 ? ', self-trained' : '';

  let table1: Table1Plan | null = null;
  if (tables.has(1)) {
    table1 = {
      full: { label: 'Fully supervised', model: gt(), supervision: 'M' },
      points: config.experiments.table1Schemes.map((scheme) => ({
        label: `PointVIS (${scheme}${stLabel})`,
        model: selfTrained(scheme),
        supervision: scheme,
        scheme,
      })),
    };
  }

  let table2: Table2Plan | null = null;
  if (tables.has(2)) {
    const s = config.experiments.table2Scheme;
    const lambda = (l: readonly number[]) => `λ ${l.join(',')}`;
    const steps: TableRow[] = [
      { label: `VISP (${s})`, model: baseline('visp', s), supervision: 'points' },
      { label: `VISP+CINeg (${s})`, model: baseline('visp-cineg', s), supervision: 'points + CINeg' },
      {
        label: `PointVIS (${s}) L_ann`,
        model: pseudoModel(s, asLambda(config.matcher.ann)),
        supervision: lambda(config.matcher.ann),
      },
      {
        label: `+ L_cineg`,
        model: pseudoModel(s, asLambda(config.matcher.annCineg)),
        supervision: lambda(config.matcher.annCineg),
      },
      { label: `+ L_maskness`, model: pseudoModel(s, full), supervision: lambda(full) },
    ];
    if (rounds > 0) {
      steps.push({
        label: `+ self-training`,
        model: selfTrained(s),
        supervision: `${lambda(full)} + ${rounds} round${rounds > 1 ? 's' : ''}`,
      });
    }
    table2 = {
      scheme: s,
      full: { label: 'Fully supervised (upper bound)', model: gt(), supervision: 'M' },
      steps,
    };
  }

  let table4: Table4Plan | null = null;
  if (tables.has(4)) {
    const schemes = config.experiments.table4Schemes;
    table4 = {
      schemes,
      rows: [
        { label: 'VISP', models: schemes.map((s) => baseline('visp', s)) },
        { label: 'VISP+CINeg', models: schemes.map((s) => baseline('visp-cineg', s)) },
        { label: 'PointVIS', models: schemes.map((s) => pseudoModel(s, full)) },
      ],
    };
  }

  let table6: Table6Plan | null = null;
  if (tables.has(6)) {
    const s = config.experiments.table6Scheme;
    const ratios = config.experiments.table6FrameRatios;
    table6 = {
      scheme: s,
      ratios,
      rows: [
        { label: 'Fully supervised (masks)', matching: '-', models: ratios.map((r) => gt(r)) },
        {
          label: `PointVIS (PF, ${s})`,
          matching: 'per-frame',
          models: ratios.map((r) => pseudoModel(s, full, 'pf', r)),
        },
        {
          label: `PointVIS (${s})`,
          matching: 'spatio-temporal',
          models: ratios.map((r) => pseudoModel(s, full, 'pointvis', r)),
        },
      ],
    };
  }

  const models = [...trainings.items.map((t) => t.key), ...selftrains.items.map((s) => s.key)];
  const figurePseudo = [
    ...(table2 ? table2.steps.map((r) => r.model).filter((m) => pseudo.items.some((p) => p.key === m)) : []),
    ...(table1 ? table1.points.map((r) => pseudoKey('pointvis', pointsKey(r.scheme, 1), full)) : []),
  ];
  const figureModels = table1
    ? [table1.full.model, ...table1.points.map((r) => r.model)]
    : models.slice(0, 3);
  return {
    points: points.items,
    pseudo: pseudo.items,
    trainings: trainings.items,
    selftrains: selftrains.items,
    models,
    table1,
    table2,
    table4,
    table6,
    figurePseudo: [...new Set(figurePseudo)],
    figureModels: [...new Set(figureModels)],
  };
}
