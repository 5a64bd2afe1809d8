import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYtvis, parseYtvis } from '../../pointvis/formats';
import type { LabeledPoint, YtvisDataset } from '../../pointvis/formats/types';
import { compressRle, decodeMask, encodeMask, toRle } from '../../pointvis/rle';
import { annotatePoints, parsePointScheme, type PointOptions } from '../../pointvis/points';
import { generateSynth, SYNTH_PRESETS } from '../../pointvis/synth';
import { register as registerPoints } from '../../runners/cli/commands/points';
import { register as registerSynth } from '../../runners/cli/commands/synth';
import { runCapturedCli } from '../util/cli.js';

// Whole-dataset point simulation: which frames get points, what the output keeps, determinism, and
// every point of every scheme checked against its rule on a synthetic benchmark.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A 10-frame, 12×16 video with one object: a 4×6 block moving right; absent on frame 3. */
function handMadeDataset(): YtvisDataset {
  const [h, w] = [12, 16];
  const segmentations = Array.from({ length: 10 }, (_, t) => {
    if (t === 3) return null;
    const mask = new Uint8Array(h * w);
    for (let i = 4; i < 8; i++) for (let j = t; j < t + 6; j++) mask[i * w + j] = 1;
    return compressRle(encodeMask(mask, h, w));
  });
  return {
    info: { description: 'hand-made' },
    videos: [
      {
        id: 7,
        width: w,
        height: h,
        length: 10,
        file_names: Array.from({ length: 10 }, (_, t) => `v/${t}.jpg`),
      },
    ],
    annotations: [
      {
        id: 3,
        video_id: 7,
        category_id: 1,
        segmentations,
        areas: segmentations.map((s) => (s === null ? null : 24)),
        bboxes: segmentations.map((s, t) => (s === null ? null : [t, 4, 6, 4])),
        iscrowd: 0,
      },
    ],
    categories: [{ id: 1, name: 'block' }],
  };
}

const base: PointOptions = {
  scheme: parsePointScheme('P1N1'),
  positive: 'random',
  negative: 'inbox',
  frameRatio: 0.3,
  seed: 5,
  keepMasks: false,
};

describe('annotatePoints on a hand-made video', () => {
  test('points on the MinVIS frames only: null elsewhere, [] where the object is absent', () => {
    // len 10, r 0.3 → n = 3 → frames 0, 3, 6; the object is absent on frame 3.
    const { dataset, summary } = annotatePoints(handMadeDataset(), base);
    const [a] = dataset.annotations;
    const points = a.points!;
    expect(points.map((p) => (p === null ? null : p.length))).toEqual([
      2,
      null,
      null,
      0,
      null,
      null,
      2,
      null,
      null,
      null,
    ]);
    for (const t of [0, 6]) {
      const [pos, neg] = points[t]!;
      expect(pos[2]).toBe(1);
      expect(neg[2]).toBe(0);
      // Positive inside the block (rows 4..7, columns t..t+5), at a pixel centre.
      expect(pos[1] - 0.5).toBeGreaterThanOrEqual(4);
      expect(pos[1] - 0.5).toBeLessThan(8);
      expect(pos[0] - 0.5).toBeGreaterThanOrEqual(t);
      expect(pos[0] - 0.5).toBeLessThan(t + 6);
      expect(Number.isInteger(pos[0] - 0.5) && Number.isInteger(pos[1] - 0.5)).toBe(true);
    }
    expect(summary).toMatchObject({
      videos: 1,
      objects: 1,
      framesSelected: 3,
      objectFramesAnnotated: 2,
      objectFramesAbsent: 1,
      positives: 2,
      negatives: 2,
      // The block fills its box: every inbox negative falls back to the 200% box.
      fallbackNegatives: 2,
      negativesBySource: { inbox: 0, outbox: 2, frame: 0 },
      repeatedPoints: 0,
      missingNegatives: 0,
    });
  });

  test('masks dropped by default, kept with keepMasks; provenance in info; output validates', () => {
    const dropped = annotatePoints(handMadeDataset(), base).dataset;
    expect(dropped.annotations[0].segmentations).toBeUndefined();
    expect(dropped.annotations[0].areas).toBeUndefined();
    expect(dropped.annotations[0].bboxes).toBeUndefined();
    expect(dropped.info?.point_annotation).toMatchObject({
      scheme: 'P1N1',
      frame_ratio: 0.3,
      seed: 5,
      masks_kept: false,
    });
    expect(dropped.info?.description).toBe('hand-made');
    parseYtvis(JSON.parse(JSON.stringify(dropped)), 'dropped.json');

    const kept = annotatePoints(handMadeDataset(), { ...base, keepMasks: true }).dataset;
    expect(kept.annotations[0].segmentations).toEqual(handMadeDataset().annotations[0].segmentations);
    expect(kept.annotations[0].bboxes?.[0]).toEqual([0, 4, 6, 4]);
    parseYtvis(JSON.parse(JSON.stringify(kept)), 'kept.json');
  });

  test('deterministic from the seed; positives do not depend on the negative count', () => {
    const once = JSON.stringify(annotatePoints(handMadeDataset(), { ...base, frameRatio: 1 }).dataset);
    expect(JSON.stringify(annotatePoints(handMadeDataset(), { ...base, frameRatio: 1 }).dataset)).toBe(once);
    expect(
      JSON.stringify(annotatePoints(handMadeDataset(), { ...base, frameRatio: 1, seed: 6 }).dataset),
    ).not.toBe(once);
    const p1 = annotatePoints(handMadeDataset(), { ...base, scheme: parsePointScheme('P1') }).dataset;
    const p1n1 = annotatePoints(handMadeDataset(), base).dataset;
    expect(p1.annotations[0].points?.[0]).toEqual([p1n1.annotations[0].points?.[0]?.[0]]);
  });

  test('dt on a 4×6 block: the first deepest pixel (row 5, column t+1)', () => {
    const { dataset } = annotatePoints(handMadeDataset(), {
      ...base,
      positive: 'dt',
      scheme: parsePointScheme('P1'),
    });
    // Rows 4..7: rows 5 and 6 are 2 from the background (squared 4). Columns t..t+5: columns t+1..t+4
    // are ≥ 2 from it (the frame's outside counts at t = 0). Deepest: rows 5–6 × columns t+1..t+4,
    // squared distance 4; the first in row-major order is (5, t+1).
    expect(dataset.annotations[0].points?.[0]).toEqual([[1.5, 5.5, 1]]);
    expect(dataset.annotations[0].points?.[6]).toEqual([[7.5, 5.5, 1]]);
  });

  test('bad input: a video id that does not exist, or no masks to sample from', () => {
    const orphan = handMadeDataset();
    orphan.annotations[0].video_id = 99;
    expect(() => annotatePoints(orphan, base)).toThrow(/no video has id 99/);
    const noMasks = handMadeDataset();
    delete noMasks.annotations[0].segmentations;
    expect(() => annotatePoints(noMasks, base)).toThrow(/segmentations/);
    expect(() => parsePointScheme('N1')).toThrow(RangeError);
    expect(parsePointScheme('P5N5')).toEqual({ name: 'P5N5', positives: 5, negatives: 5 });
  });
});

describe('points on the synthetic benchmark, through the CLI', () => {
  let dir: string;
  let gt: YtvisDataset;

  async function cli(...args: string[]): Promise<string> {
    return (await runCapturedCli([registerSynth, registerPoints], args)).stdout;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pointvis-points-'));
    dirs.push(dir);
    const small = { ...SYNTH_PRESETS.tiny, images: { ...SYNTH_PRESETS.tiny.images, train: 1, valid: 1 } };
    generateSynth({ outDir: dir, preset: small, seed: 3 });
    gt = loadYtvis(join(dir, 'videos/valid.json'));
  });

  test('synth CLI prints its summary', async () => {
    const out = await cli('synth', '--out', join(dir, 'cli-synth'), '--preset', 'tiny', '--seed', '2');
    expect(out).toMatch(/preset tiny \(64×64\), seed 2/);
    expect(out).toMatch(/train: 48 images/);
    expect(JSON.parse(readFileSync(join(dir, 'cli-synth/meta.json'), 'utf8')).seed).toBe(2);
  });

  for (const scheme of ['P1', 'P10', 'P1N1', 'P5N5']) {
    for (const pos of ['random', 'dt']) {
      for (const neg of ['inbox', 'outbox']) {
        if (scheme === 'P1' || scheme === 'P10') if (neg === 'outbox') continue; // no negatives to vary
        test(`${scheme} --pos ${pos} --neg ${neg}: every point obeys its rule`, async () => {
          const file = join(dir, `points-${scheme}-${pos}-${neg}.json`);
          const out = await cli(
            'points',
            '--in',
            join(dir, 'videos/valid.json'),
            '--out',
            file,
            '--scheme',
            scheme,
            '--pos',
            pos,
            '--neg',
            neg,
            '--frames',
            '0.5',
            '--seed',
            '1',
          );
          const result = loadYtvis(file);
          const { positives, negatives } = parsePointScheme(scheme);
          let fallbacks = 0;
          let checked = 0;
          result.annotations.forEach((a, k) => {
            const video = gt.videos.find((v) => v.id === a.video_id)!;
            const [h, w] = [video.height, video.width];
            // Tiny videos have 6–8 frames: len·0.5 is never a half-integer tie, so Math.round agrees with numpy.
            const half = Math.max(Math.round(video.length * 0.5), 1);
            const chosen = Array.from({ length: half }, (_, i) => Math.floor((i * video.length) / half));
            expect(a.segmentations).toBeUndefined();
            a.points!.forEach((points, t) => {
              if (!chosen.includes(t)) return expect(points).toBeNull();
              const seg = gt.annotations[k].segmentations![t];
              if (seg === null) return expect(points).toEqual([]);
              const mask = decodeMask(toRle(seg, h, w, { file: 'gt', field: 'seg' }));
              const rows = [...mask.keys()].filter((p) => mask[p]).map((p) => Math.floor(p / w));
              const cols = [...mask.keys()].filter((p) => mask[p]).map((p) => p % w);
              const [x0, x1, y0, y1] = [
                Math.min(...cols),
                Math.max(...cols) + 1,
                Math.min(...rows),
                Math.max(...rows) + 1,
              ];
              const pts = points as LabeledPoint[];
              expect(pts.filter((p) => p[2] === 1)).toHaveLength(positives);
              expect(pts.filter((p) => p[2] === 0)).toHaveLength(negatives);
              for (const [x, y, label] of pts) {
                const p = Math.floor(y) * w + Math.floor(x);
                expect(mask[p]).toBe(label); // positives on the mask, negatives off it
                if (label === 1) continue;
                const inBox = x > x0 && x < x1 && y > y0 && y < y1;
                const [hw, hh] = [(x1 - x0) / 2, (y1 - y0) / 2];
                const inDouble = x >= x0 - hw && x <= x1 + hw && y >= y0 - hh && y <= y1 + hh;
                const obeys = neg === 'inbox' ? inBox : !inBox && inDouble;
                if (!obeys) fallbacks++;
                checked++;
              }
            });
          });
          if (negatives === 0) expect(checked).toBe(0);
          else expect(checked).toBeGreaterThan(50);
          expect(out).toContain(`fallbacks: ${fallbacks} negatives outside the requested rule`);
          if (negatives > 0) expect(fallbacks).toBeLessThan(checked / 4);
        });
      }
    }
  }
});
