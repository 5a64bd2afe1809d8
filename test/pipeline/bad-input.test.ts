/**
 * Bad input across the stages (issue 5's list): each case is either handled (a one-frame video
 * works; an object without points is skipped and named) or refused with a PointvisDataError that
 * names the file, the video, the object and the frame. One hand-made video, PNG frames on disk.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../model/config/index.js';
import { CategoryMap, YtvisPointSource, pseudoLabelSource } from '../../pointvis/data/index.js';
import { PointvisDataError } from '../../pointvis/errors.js';
import { dropTrackIds, loadYtvis, saveYtvis } from '../../pointvis/formats/index.js';
import type { LabeledPoint, YtvisDataset } from '../../pointvis/formats/types.js';
import { savePng } from '../../pointvis/frames/index.js';
import { datasetInput, runInference } from '../../pointvis/infer/index.js';
import { annotatePoints, parsePointScheme } from '../../pointvis/points/index.js';
import { ProposalStore, writeVideoProposals } from '../../pointvis/proposals/index.js';
import {
  type PseudoRunOptions,
  type PseudoVariant,
  formatPseudoSummary,
  runPseudoLabels,
} from '../../pointvis/pseudo/index.js';
import { compressRle, encodeMask } from '../../pointvis/rle/index.js';
import { videoTraining } from '../../pointvis/train/index.js';
import { savePseudoStrip } from '../../pointvis/viz/index.js';
import { useEngine } from '../util/engine.js';
import { groundTruthModel, tinySettings } from './infer-fixtures.js';
import { removeTempDirs, tempDir } from './proposals-fixtures.js';
import { handVideo, proposalFileOf, rectMask } from './pseudo-fixtures.js';

beforeAll(async () => {
  await useEngine();
});
afterAll(removeTempDirs);

const H = 10;
const W = 12;
const A = rectMask(H, W, 1, 1, 6, 5);
const B = rectMask(H, W, 4, 6, 9, 11);
const pos = (x: number, y: number): LabeledPoint => [x, y, 1];

/**
 * Video 7 of T frames on disk (grey PNGs): object 100 (mask A, a point in every frame) and
 * object 101 (mask B, points given by `pointsOf101`, default one per frame).
 */
function handData(T: number, pointsOf101?: (LabeledPoint[] | null)[]) {
  const { dataset, video } = handVideo(H, W, T, [
    Array.from({ length: T }, () => [pos(2.5, 2.5)]),
    pointsOf101 ?? Array.from({ length: T }, () => [pos(8.5, 6.5)]),
  ]);
  const seg = (m: Uint8Array) => compressRle(encodeMask(m, H, W));
  dataset.annotations[0]!.segmentations = Array.from({ length: T }, () => seg(A));
  dataset.annotations[1]!.segmentations = Array.from({ length: T }, () => seg(B));
  const dir = tempDir('pointvis-bad-input-');
  for (const name of video.file_names) {
    savePng(join(dir, name), { width: W, height: H, data: new Uint8Array(W * H * 3).fill(100) });
  }
  return { dataset, video, dir, file: (name: string, value: unknown) => writeJson(dir, name, value) };
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Runs fn (sync or async) and returns the PointvisDataError it throws. */
async function dataError(fn: () => unknown): Promise<PointvisDataError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof PointvisDataError) return err;
    throw err;
  }
  throw new Error('expected a PointvisDataError, nothing was thrown');
}

function pseudo(dataset: YtvisDataset, proposalsDir: string, extra: Partial<PseudoRunOptions> = {}) {
  return runPseudoLabels({
    points: dataset,
    pointsFile: 'points.json',
    proposals: new ProposalStore(proposalsDir),
    proposalsSource: proposalsDir,
    ...extra,
  });
}

/** The MinVIS cpu-tiny config with the hand data's two classes. */
function tinyVideoConfig() {
  return loadConfig('configs/minvis/cpu-tiny.yaml', {
    read: (path) => readFileSync(path, 'utf8'),
    overrides: ['model.numClasses=2'],
  });
}

describe('objects with points in no frame', () => {
  it('pseudo: skipped, and the summary and its warning name the video and object', async () => {
    const { dataset, video, dir } = handData(3, [null, [], null]);
    writeVideoProposals(dir, proposalFileOf(video, [{ masks: [A, A, A] }, { masks: [B, B, B] }]));
    const { dataset: out, summary } = await pseudo(dataset, dir);
    expect(summary.objects_without_points).toBe(1);
    expect(summary.skipped_objects).toEqual([{ video_id: 7, object_id: 101 }]);
    expect(out.annotations[1]!.segmentations).toEqual([null, null, null]);
    expect(formatPseudoSummary(summary, 'pseudo.json')).toMatch(
      /warning: 1 objects have points in no frame and were skipped: video 7 object 101/,
    );
  });

  it('point training (VISP): never a target; the source names it and training warns', () => {
    const { dataset, dir, file } = handData(3, [null, [], null]);
    const points = file('points.json', dataset);
    const source = new YtvisPointSource({ annotations: points, frameRoot: dir });
    expect(source.objectsWithoutPoints).toEqual([{ videoId: 7, objectId: 101 }]);
    expect(source.size).toBe(3);
    for (let i = 0; i < source.size; i++)
      expect(source.load(i).points!.map((p) => p.objectId)).toEqual([100]);
    const training = videoTraining(tinyVideoConfig(), {
      dataFile: points,
      framesRoot: dir,
      supervision: { kind: 'points', file: points, baseline: 'visp' },
    });
    expect(training.warnings).toEqual([
      `${points}: video 7 object 101 has points in no frame; it is skipped`,
    ]);
  });

  it('train: a points file where no frame has a point of any object is refused, naming the file', async () => {
    const { dataset, dir, file } = handData(2, [null, null]);
    dataset.annotations[0]!.points = [[], null];
    const points = file('points.json', dataset);
    const err = await dataError(() =>
      videoTraining(tinyVideoConfig(), {
        dataFile: points,
        framesRoot: dir,
        supervision: { kind: 'points', file: points, baseline: 'visp' },
      }),
    );
    expect(err.file).toBe(points);
    expect(err.message).toMatch(/no training targets/);
  });
});

describe('points outside the frame', () => {
  it('a tracked file (train, points, infer, loaders read it with loadYtvis): file, video, object, frame', async () => {
    const { dataset, file } = handData(3);
    dataset.annotations[1]!.points![2] = [[W + 0.5, 3, 1]];
    const path = file('outside.json', dataset);
    const err = await dataError(() => loadYtvis(path));
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/video 7, object 101, frame 2: x = 12.5 is outside the frame \[0, 12\)/);
    const viaLoader = await dataError(() => new YtvisPointSource({ annotations: path, frameRoot: '.' }));
    expect(viaLoader.message).toBe(err.message);
  });

  it('a per-frame file: its entry id, video and frame', async () => {
    const { dataset, dir, file } = handData(3);
    const perFrame = dropTrackIds(dataset);
    const entry = perFrame.point_frames.find((e) => e.frame_index === 1)!;
    entry.points = [[3, H, 1]];
    const path = file('per-frame.json', perFrame);
    const err = await dataError(() => new YtvisPointSource({ annotations: path, frameRoot: dir }));
    expect(err.file).toBe(path);
    expect(err.message).toMatch(
      new RegExp(`video 7, object ${entry.id}, frame 1: y = 10 is outside the frame \\[0, 10\\)`),
    );
  });
});

describe('proposals missing for a video', () => {
  it('pseudo: refused, naming the proposals folder, the video and the file it expected', async () => {
    const { dataset, dir } = handData(2);
    const proposals = tempDir();
    const err = await dataError(() => pseudo(dataset, proposals));
    expect(err.file).toBe(proposals);
    expect(err.message).toMatch(/no proposals for video 7 \(expected .*video-7\.json\)/);
    expect(dir).not.toBe(proposals);
  });
});

describe('videos of one frame', () => {
  it('points: the one frame is annotated', () => {
    const { dataset } = handData(1);
    const { dataset: out, summary } = annotatePoints(dataset, {
      scheme: parsePointScheme('P1N1'),
      positive: 'random',
      negative: 'inbox',
      frameRatio: 0.05,
      seed: 3,
      keepMasks: false,
    });
    expect(summary.framesSelected).toBe(1);
    for (const a of out.annotations) expect(a.points![0]!.map((p) => p[2]).sort()).toEqual([0, 1]);
  });

  it('pseudo: both objects labelled on their frame', async () => {
    const { dataset, video, dir } = handData(1);
    writeVideoProposals(dir, proposalFileOf(video, [{ masks: [B] }, { masks: [A] }]));
    const { dataset: out, summary } = await pseudo(dataset, dir);
    expect(summary.objects_labelled).toBe(2);
    expect(out.annotations.map((a) => a.segmentations!.length)).toEqual([1, 1]);
    expect(out.annotations.every((a) => a.segmentations![0] !== null)).toBe(true);
  });

  it('training data: one sample with both objects', () => {
    const { dataset, dir, file } = handData(1);
    const path = file('one.json', dataset);
    const masks = pseudoLabelSource({ annotations: path, frameRoot: dir, pointAnnotations: path });
    expect(masks.size).toBe(1);
    expect(masks.load(0).instances.map((i) => i.objectId)).toEqual([100, 101]);
    const points = new YtvisPointSource({ annotations: path, frameRoot: dir });
    expect(points.load(0).points!.map((p) => p.objectId)).toEqual([100, 101]);
  });

  it('infer: one result per object, each with its one frame', async () => {
    const { dataset, dir, file } = handData(1);
    const path = file('one.json', dataset);
    const input = datasetInput(path, dir);
    const run = await runInference({
      input,
      outDir: join(dir, 'infer'),
      modelFor: groundTruthModel(dataset, { queries: 3, stride: 1, seed: 1 }),
      modelName: 'stand-in',
      settings: tinySettings(2, H),
      categories: input.categories!,
    });
    const found = run.results.filter((r) => r.score > 0.5);
    expect(found.map((r) => r.category_id).sort()).toEqual([1, 2]);
    expect(found.every((r) => r.segmentations.length === 1 && r.segmentations[0] !== null)).toBe(true);
  });
});

describe('frames of different sizes within a video', () => {
  function shrinkFrame(dir: string, name: string): void {
    savePng(join(dir, name), { width: W - 4, height: H, data: new Uint8Array((W - 4) * H * 3) });
  }

  it('point training data: the frame file, video and frame', async () => {
    const { dataset, video, dir, file } = handData(3);
    shrinkFrame(dir, video.file_names[1]!);
    const source = new YtvisPointSource({ annotations: file('points.json', dataset), frameRoot: dir });
    const err = await dataError(() => source.load(1));
    expect(err.file).toBe(join(dir, video.file_names[1]!));
    expect(err.message).toMatch(/video 7 \(v7\/1\.png\) frame 1: image is 8×10, but .* says 12×10/);
  });

  it('pseudo strips: the frame file, video and frame', async () => {
    const { dataset, video, dir } = handData(3);
    shrinkFrame(dir, video.file_names[2]!);
    const err = await dataError(() =>
      savePseudoStrip(join(dir, 'strip.png'), video, dataset.annotations, dir, 'pseudo.json'),
    );
    expect(err.file).toBe(join(dir, video.file_names[2]!));
    expect(err.message).toMatch(/video 7 frame 2 is 8×10, but the annotation says 12×10/);
  });

  it('infer on a dataset: the video and frame, before any result is written', async () => {
    const { dataset, video, dir, file } = handData(3);
    shrinkFrame(dir, video.file_names[1]!);
    const path = file('data.json', dataset);
    const input = datasetInput(path, dir);
    const outDir = join(dir, 'infer');
    const err = await dataError(() =>
      runInference({
        input,
        outDir,
        modelFor: groundTruthModel(dataset, { queries: 3, stride: 1, seed: 1 }),
        modelName: 'stand-in',
        settings: tinySettings(2, H),
        categories: input.categories!,
      }),
    );
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/video 7 frame 1: .*8×10/);
    expect(readdirSafe(outDir).filter((n) => n.endsWith('.json'))).toEqual([]);
  });
});

describe('unknown category ids', () => {
  it('a tracked file: file, video and object', async () => {
    const { dataset, file } = handData(2);
    dataset.annotations[0]!.category_id = 99;
    const path = file('cats.json', dataset);
    const err = await dataError(() => loadYtvis(path));
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/video 7, object 100: no category has id 99/);
  });

  it('a per-frame file: file, video, object and frame', async () => {
    const { dataset, dir, file } = handData(2);
    const perFrame = dropTrackIds(dataset);
    const entry = perFrame.point_frames[perFrame.point_frames.length - 1]!;
    entry.category_id = 5;
    const path = file('per-frame.json', perFrame);
    const err = await dataError(() => new YtvisPointSource({ annotations: path, frameRoot: dir }));
    expect(err.message).toMatch(
      new RegExp(`video 7, object ${entry.id}, frame ${entry.frame_index}: no category has id 5`),
    );
  });

  it('pseudo labels with a category the training classes lack: file, video and object', async () => {
    const { dataset, dir } = handData(2);
    const classes = new CategoryMap([{ id: 1, name: 'a' }], 'train.json');
    const path = join(dir, 'pseudo.json');
    saveYtvis(path, dataset);
    const err = await dataError(() =>
      pseudoLabelSource({ annotations: path, frameRoot: dir, categories: classes }),
    );
    expect(err.file).toBe(path);
    expect(err.message).toMatch(/video 7, object 101/);
    expect(err.message).toMatch(/category id 2 is not among the 1 training categories/);
  });
});

describe('empty proposal sets', () => {
  for (const variant of ['pointvis', 'pf', 'visc'] as PseudoVariant[]) {
    it(`pseudo (${variant}): the objects are unmatched and counted, no labels`, async () => {
      const { dataset, video, dir } = handData(2);
      writeVideoProposals(dir, proposalFileOf(video, []));
      const { dataset: out, summary } = await pseudo(dataset, dir, { variant });
      expect(summary.videos_without_proposals).toBe(1);
      expect(summary.objects_unmatched).toBe(2);
      expect(out.annotations.every((a) => a.segmentations!.every((s) => s === null))).toBe(true);
    });
  }

  it('training on those pseudo labels is refused: no frame has a target, naming the file', async () => {
    const { dataset, video, dir } = handData(2);
    writeVideoProposals(dir, proposalFileOf(video, []));
    const { dataset: labels } = await pseudo(dataset, dir);
    const labelsFile = join(dir, 'pseudo.json');
    saveYtvis(labelsFile, labels);
    const data = join(dir, 'data.json');
    saveYtvis(data, dataset);
    const err = await dataError(() =>
      videoTraining(tinyVideoConfig(), {
        dataFile: data,
        framesRoot: dir,
        supervision: { kind: 'pseudo', file: labelsFile },
      }),
    );
    expect(err.file).toBe(labelsFile);
    expect(err.message).toMatch(/no training targets/);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe('no output file is ever half-written', () => {
  it('pointvis/ and runners/ write files only through io/atomic-write (metrics.jsonl appends whole lines)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          const direct =
            /\b(writeFileSync|createWriteStream|appendFileSync|writeSync|copyFileSync|promises\.writeFile)\b/;
          if (!direct.test(text)) continue;
          const allowed = ['pointvis/io/atomic-write.ts', 'pointvis/train/metrics-log.ts'];
          if (!allowed.some((a) => path.endsWith(a))) offenders.push(path);
        }
      }
    };
    walk('pointvis');
    walk('runners');
    expect(offenders).toEqual([]);
  });
});
