/**
 * The run config of `pointvis run` (configs/run/*.yaml): where the data comes from, the image and
 * video model configs with their overrides, seeds, point simulation, matcher weights, which
 * experiments and tables to run, and the report's targets. Every setting is listed in
 * configs/run/base.yaml; a run config inherits it with `_base_` and changes what differs.
 */
import type { SourcedTree } from '../../model/config/index.js';
import {
  type Issue,
  type ObjectSchema,
  bool,
  int,
  list,
  nullable,
  num,
  obj,
  oneOf,
  str,
} from '../../model/config/schema.js';
import { parsePointScheme } from '../points/index.js';
import { isSynthPresetName } from '../synth/index.js';

export interface SplitCounts {
  train: number;
  valid: number;
}

/** The synthetic benchmark, generated into the run directory. */
export interface SynthDataConfig {
  preset: string;
  seed: number;
  /** Counts replacing the preset's (null keeps the preset's). */
  images: SplitCounts | null;
  videos: SplitCounts | null;
  /** [min, max] frames per video (null keeps the preset's). */
  frames: number[] | null;
}

/** An annotation file and the folder its file names are relative to. */
export interface DataFiles {
  annotations: string;
  root: string;
}

/** Either `synth`, or all three user sets. */
export interface RunDataConfig {
  synth: SynthDataConfig | null;
  /** COCO instances with masks (the image model's training set). */
  images: DataFiles | null;
  /** YouTube-VIS training videos with masks (points are simulated from them; the GT upper bound trains on them). */
  trainVideos: DataFiles | null;
  /** YouTube-VIS validation videos with masks (every model is evaluated on them). */
  validVideos: DataFiles | null;
}

/** A model config file and a mapping merged over it (like a file that inherits it). */
export interface ModelRef {
  config: string;
  overrides: SourcedTree;
}

export interface RunConfig {
  data: RunDataConfig;
  imageModel: ModelRef;
  videoModel: ModelRef;
  seeds: {
    /** Point simulation. */
    points: number;
    /** Replaces `seed` of both model configs (init, data order, every draw of training). */
    training: number;
  };
  points: {
    positive: 'random' | 'dt';
    negative: 'inbox' | 'outbox';
  };
  proposals: {
    /** Stored proposal mask size: frame, native or HxW. */
    maskSize: string;
  };
  /** λ1, λ2, λ3 of the matcher for Table 2's rows (L_ann; +L_cineg; +L_maskness, the full method). */
  matcher: {
    ann: number[];
    annCineg: number[];
    full: number[];
  };
  selfTraining: {
    rounds: number;
    /** Merged over the video model config for the self-training rounds (e.g. a shorter schedule). */
    overrides: SourcedTree;
  };
  experiments: {
    /** Tables to fill: 1, 2, 4, 6. */
    tables: number[];
    /** Add Tables 4 and 6 (the point-scheme and frame-subsampling studies). */
    studies: boolean;
    table1Schemes: string[];
    table2Scheme: string;
    table4Schemes: string[];
    table6Scheme: string;
    table6FrameRatios: number[];
  };
  targets: {
    /** Least AP retention (PointVIS with self-training / fully supervised) per point scheme. */
    retention: { scheme: string; min: number }[];
  };
  report: {
    /** Videos drawn per figure (pseudo-mask strips, prediction strips). */
    figureVideos: number;
    /** Predicted instances scoring at least this are drawn. */
    overlayScore: number;
  };
}

/** The validated part: RunConfig without the override mappings (those are checked by the model configs). */
export type RunConfigFields = Omit<RunConfig, 'imageModel' | 'videoModel' | 'selfTraining'> & {
  imageModel: { config: string };
  videoModel: { config: string };
  selfTraining: { rounds: number };
};

export const TABLES = [1, 2, 4, 6] as const;
export const STUDY_TABLES = [4, 6] as const;

const nonNegativeInt = (doc?: string) => int({ min: 0, doc });
const positiveInt = (doc?: string) => int({ min: 1, doc });

const splitCounts = nullable<SplitCounts>(
  obj<SplitCounts>({ train: positiveInt('training items'), valid: positiveInt('validation items') }),
);

const dataFiles = nullable<DataFiles>(
  obj<DataFiles>({
    annotations: str('annotation JSON'),
    root: str('folder the file names are relative to'),
  }),
);

function schemeIssue(name: string, path: (string | number)[]): Issue[] {
  try {
    parsePointScheme(name);
    return [];
  } catch (err) {
    return [{ path, message: (err as Error).message }];
  }
}

function lambdaIssues(values: number[], path: string): Issue[] {
  if (values.length !== 3)
    return [{ path: [path], message: `is λ1, λ2, λ3: 3 numbers, got ${values.length}` }];
  return values.some((v) => v < 0) ? [{ path: [path], message: 'weights must be ≥ 0' }] : [];
}

const synthSchema = obj<SynthDataConfig>(
  {
    preset: str('tiny, small or medium'),
    seed: int({ doc: 'generator seed' }),
    images: splitCounts,
    videos: splitCounts,
    frames: nullable<number[]>(list(positiveInt(), { minLength: 2, maxLength: 2, doc: '[min, max]' })),
  },
  (s) => {
    const issues: Issue[] = [];
    if (!isSynthPresetName(s.preset))
      issues.push({ path: ['preset'], message: `"${s.preset}" is not a preset (tiny, small, medium)` });
    if (s.frames !== null && s.frames[0]! > s.frames[1]!)
      issues.push({ path: ['frames'], message: `min ${s.frames[0]} is above max ${s.frames[1]}` });
    return issues;
  },
);

const dataSchema = obj<RunDataConfig>(
  { synth: nullable(synthSchema), images: dataFiles, trainVideos: dataFiles, validVideos: dataFiles },
  (d) => {
    const user = [d.images, d.trainVideos, d.validVideos];
    const given = user.filter((x) => x !== null).length;
    if (d.synth !== null && given > 0) {
      return [{ path: [], message: 'give either synth or images/trainVideos/validVideos, not both' }];
    }
    if (d.synth === null && given < 3) {
      const missing = (['images', 'trainVideos', 'validVideos'] as const).filter((k) => d[k] === null);
      return [
        {
          path: [],
          message: `no data: set synth ({preset, seed}) or all of images, trainVideos, validVideos (missing: ${missing.join(', ')})`,
        },
      ];
    }
    return [];
  },
);

const MASK_SIZE = /^(frame|native|\d+x\d+)$/;

export const runConfigSchema: ObjectSchema<RunConfigFields> = obj<RunConfigFields>({
  data: dataSchema,
  imageModel: obj<{ config: string }>({ config: str('Mask2Former image-instance config file') }),
  videoModel: obj<{ config: string }>({ config: str('MinVIS / PointVIS video-instance config file') }),
  seeds: obj<RunConfig['seeds']>({ points: int(), training: int() }),
  points: obj<RunConfig['points']>({
    positive: oneOf(['random', 'dt'] as const, 'positives: uniform or distance-transform maximum'),
    negative: oneOf(['inbox', 'outbox'] as const, 'negatives: in the box or outside it'),
  }),
  proposals: obj<RunConfig['proposals']>({ maskSize: str('frame, native or HxW') }, (p) =>
    MASK_SIZE.test(p.maskSize)
      ? []
      : [{ path: ['maskSize'], message: `"${p.maskSize}" is not frame, native or HxW` }],
  ),
  matcher: obj<RunConfig['matcher']>({ ann: list(num()), annCineg: list(num()), full: list(num()) }, (m) => [
    ...lambdaIssues(m.ann, 'ann'),
    ...lambdaIssues(m.annCineg, 'annCineg'),
    ...lambdaIssues(m.full, 'full'),
  ]),
  selfTraining: obj<{ rounds: number }>({ rounds: nonNegativeInt('self-training rounds (0: none)') }),
  experiments: obj<RunConfig['experiments']>(
    {
      tables: list(int(), { doc: 'tables to fill: 1, 2, 4, 6' }),
      studies: bool('add Tables 4 and 6'),
      table1Schemes: list(str(), { minLength: 1 }),
      table2Scheme: str(),
      table4Schemes: list(str(), { minLength: 1 }),
      table6Scheme: str(),
      table6FrameRatios: list(num({ min: 0, minExclusive: true, max: 1 }), { minLength: 1 }),
    },
    (e) => [
      ...e.tables.flatMap((t, i) =>
        (TABLES as readonly number[]).includes(t)
          ? []
          : [{ path: ['tables', i], message: `${t} is not one of ${TABLES.join(', ')}` }],
      ),
      ...e.table1Schemes.flatMap((s, i) => schemeIssue(s, ['table1Schemes', i])),
      ...schemeIssue(e.table2Scheme, ['table2Scheme']),
      ...e.table4Schemes.flatMap((s, i) => schemeIssue(s, ['table4Schemes', i])),
      ...schemeIssue(e.table6Scheme, ['table6Scheme']),
    ],
  ),
  targets: obj<RunConfig['targets']>({
    retention: list(
      obj<{ scheme: string; min: number }>({ scheme: str(), min: num({ min: 0 }) }, (r) =>
        schemeIssue(r.scheme, ['scheme']),
      ),
    ),
  }),
  report: obj<RunConfig['report']>({
    figureVideos: nonNegativeInt('videos drawn per figure'),
    overlayScore: num({ min: 0, max: 1 }),
  }),
});

/** The tables a run fills: the config's, plus 4 and 6 with studies. */
export function tablesOf(config: RunConfig): Set<number> {
  const tables = new Set(config.experiments.tables);
  if (config.experiments.studies) for (const t of STUDY_TABLES) tables.add(t);
  return tables;
}
