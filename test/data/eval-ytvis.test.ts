// YouTube-VIS video AP/AR: hand-built cases whose expected values are worked out in the comments.
// Conventions: frames are 10×10 unless noted; rect(h, w, x0, x1, y0, y1) sets columns [x0, x1) and
// rows [y0, y1) (all rows by default). A lone true positive has precision 1 / (1 + eps) (the official
// denominator adds np.spacing(1)), hence toBeCloseTo rather than toBe.
import { describe, expect, it } from 'vitest';
import { PointvisDataError } from '../../pointvis/errors';
import { evaluateYtvis } from '../../pointvis/eval/index';
import type { YtvisAnnotation, YtvisDataset, YtvisResult } from '../../pointvis/formats/types';
import { categories, detection, gtTrack, rect, video } from './eval-fixtures';

const R = (x0: number, x1: number, y0 = 0, y1 = 10) => rect(10, 10, x0, x1, y0, y1);

function dataset(
  videos: ReturnType<typeof video>[],
  annotations: YtvisAnnotation[],
  cats = categories(1),
): YtvisDataset {
  return { videos, annotations, categories: cats };
}

function run(gt: YtvisDataset, results: YtvisResult[], categoryIds?: number[]) {
  return evaluateYtvis(gt, results, { categoryIds });
}

describe('evaluateYtvis', () => {
  it('gives 100 for a perfect detection and -1 for empty area ranges', () => {
    const frames = [R(0, 3), R(1, 4)];
    const s = run(dataset([video(1, 2)], [gtTrack(1, 1, frames)]), [detection(1, 1, 0.9, frames)]);
    // One TP at rank 1 at every IoU threshold: precision 1 at all 101 recall thresholds.
    for (const key of ['AP', 'AP50', 'AP75', 'APs', 'AR1', 'AR10', 'AR100'] as const)
      expect(s[key]).toBeCloseTo(100, 10);
    // Mean area 30 ≤ 128²: no ground truth is medium or large.
    expect(s.APm).toBe(-1);
    expect(s.APl).toBe(-1);
    expect(s.per_category).toEqual([{ id: 1, name: 'cat1', AP: s.AP }]);
  });

  it('reports zeros (not a crash) for an empty results list, and -1 when there is no ground truth', () => {
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 3)])]);
    const s = run(gt, []);
    expect([s.AP, s.AP50, s.AP75, s.APs, s.AR1, s.AR10, s.AR100]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([s.APm, s.APl]).toEqual([-1, -1]);
    const none = run(dataset([video(1, 1)], []), []);
    expect(none.AP).toBe(-1);
    expect(none.AR100).toBe(-1);
  });

  it('lets one crowd region absorb any number of detections', () => {
    const crowd = R(5, 10); // area 50
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)]), gtTrack(1, 1, [crowd], { iscrowd: 1 })]);
    // Three detections on the crowd region (IoU 1) rank above the true positive. All three are
    // ignored, so the ranking is [ign, ign, ign, TP]: precision ≈1 at recall 1 → AP 100.
    // (Were the crowd matchable only once, two FPs would give precision 1/3 → AP 33.3.)
    const results = [0.9, 0.8, 0.7].map((score) => detection(1, 1, score, [crowd]));
    results.push(detection(1, 1, 0.6, [R(0, 2)]));
    const s = run(gt, results);
    expect(s.AP).toBeCloseTo(100, 10);
    expect(s.AR100).toBeCloseTo(100, 10);
  });

  it('matches crowd regions with the plain video IoU, not intersection over detection', () => {
    const crowd = R(4, 8); // area 40
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)]), gtTrack(1, 1, [crowd], { iscrowd: 1 })]);
    // d1 covers the top half of the crowd: plain IoU 20/40 = 0.5 (intersection/area(dt) would be 1).
    // t = 0.50: d1 → crowd (ignored), d2 TP → precision 1.
    // t ≥ 0.55: d1 unmatched → FP, then d2 TP: precision [0, 1/2] → 0.5 at every recall threshold.
    // AP = (1 + 9 × 0.5) / 10 = 0.55; AP50 = 1; AP75 = 0.5.
    const s = run(gt, [detection(1, 1, 0.9, [R(4, 8, 0, 5)]), detection(1, 1, 0.5, [R(0, 2)])]);
    expect(s.AP).toBeCloseTo(55, 10);
    expect(s.AP50).toBeCloseTo(100, 10);
    expect(s.AP75).toBeCloseTo(50, 10);
  });

  it('adds a frame where only one side has a mask to the union', () => {
    // gt: f0 3 px (cols 0–2, row 0), f1 14 px (cols 0–6, rows 0–1), f2 absent.
    // dt: f0 absent, f1 = gt f1, f2 3 px elsewhere.  IoU = 14 / (3 + 14 + 3) = 0.7.
    // TP at the thresholds 0.50 … 0.70 (five, 0.7 included: equality matches), FP at 0.75 … 0.95.
    // AP = 5/10 = 50, AP50 = 100, AP75 = 0, AR100 = 50.
    // (Dropping the one-sided frames would give IoU 1 → AP 100; keeping only one of them 14/17 → 70.)
    const gtFrames = [R(0, 3, 0, 1), R(0, 7, 0, 2), null];
    const dtFrames = [null, R(0, 7, 0, 2), R(5, 8, 9, 10)];
    const gt = dataset([video(1, 3)], [gtTrack(1, 1, gtFrames)]);
    const s = run(gt, [detection(1, 1, 0.9, dtFrames)]);
    expect(s.AP).toBeCloseTo(50, 10);
    expect(s.AP50).toBeCloseTo(100, 10);
    expect(s.AP75).toBe(0);
    expect(s.AR100).toBeCloseTo(50, 10);
    // Frames are paired up to the shorter list: an extra detection frame changes nothing.
    const longer = run(gt, [detection(1, 1, 0.9, [...dtFrames, R(0, 10)])]);
    expect(longer.AP).toBe(s.AP);
  });

  it('adds nothing for a frame whose two masks differ in size', () => {
    // f0: identical masks (I = U = 40). f1: the detection's mask is 11×10, so the frame adds 0 to both
    // sums: IoU 40/40 = 1 → AP 100. (Counting f1 as two one-sided frames: 40/120 → AP 0.)
    const gt = dataset([video(1, 2)], [gtTrack(1, 1, [R(0, 4), R(2, 6)])]);
    const s = run(gt, [detection(1, 1, 0.9, [R(0, 4), rect(11, 10, 2, 6)])]);
    expect(s.AP).toBeCloseTo(100, 10);
  });

  it('breaks score ties within a video by file order', () => {
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)])]);
    const fp = detection(1, 1, 0.5, [R(5, 7)]);
    const tp = detection(1, 1, 0.5, [R(0, 2)]);
    // [FP, TP]: precision [0, 1/2], recall [0, 1] → 0.5 at every recall threshold → AP 50.
    expect(run(gt, [fp, tp]).AP).toBeCloseTo(50, 10);
    // [TP, FP]: precision 1 at recall 1 → AP 100.
    expect(run(gt, [tp, fp]).AP).toBeCloseTo(100, 10);
  });

  it('breaks score ties across videos by ascending video id, whatever the file order', () => {
    // Videos listed as [7, 3]; one ground truth in each. Tied scores: the FP in video 3 ranks first.
    // Ranking [FP, TP] with 2 ground truths: recall [0, 0.5], precision [0, 0.5] → 0.5 at the 51
    // recall thresholds 0.00 … 0.50, 0 at the other 50 → AP = 0.5 · 51/101 = 25.2475…
    // (File order [TP, FP] would give 51/101 = 50.495…)
    const gt = dataset([video(7, 1), video(3, 1)], [gtTrack(7, 1, [R(0, 2)]), gtTrack(3, 1, [R(0, 2)])]);
    const results = [detection(7, 1, 0.5, [R(0, 2)]), detection(3, 1, 0.5, [R(5, 7)])];
    const s = run(gt, results);
    expect(s.AP).toBeCloseTo((0.5 * 51 * 100) / 101, 10);
    expect(s.AR100).toBeCloseTo(50, 10);
  });

  it('applies maxDets 1 / 10 / 100 per video and category', () => {
    // Three single-column objects, each found exactly: AR1 sees only the top detection → 1/3.
    const gts = [0, 2, 4].map((x) => gtTrack(1, 1, [R(x, x + 1)]));
    const dts = [0, 2, 4].map((x, i) => detection(1, 1, 0.9 - i * 0.1, [R(x, x + 1)]));
    const s = run(dataset([video(1, 1)], gts), dts);
    expect(s.AR1).toBeCloseTo(100 / 3, 10);
    expect(s.AR10).toBe(100);
    expect(s.AR100).toBe(100);
    expect(s.AP).toBeCloseTo(100, 10);
  });

  it('keeps only the top 100 detections of a video and category', () => {
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 1)])]);
    const fps = (n: number) => Array.from({ length: n }, () => detection(1, 1, 0.9, [R(5, 6)]));
    const tp = detection(1, 1, 0.1, [R(0, 1)]);
    // 100 higher-scored FPs push the TP out: recall 0.
    const cut = run(gt, [tp, ...fps(100)]);
    expect(cut.AR100).toBe(0);
    expect(cut.AP).toBe(0);
    // 99 FPs: the TP is the 100th; precision at recall 1 is 1/100 → AP 1, AR100 100.
    const kept = run(gt, [tp, ...fps(99)]);
    expect(kept.AR100).toBe(100);
    expect(kept.AP).toBeCloseTo(1, 10);
  });

  it('leaves categories without ground truth (-1) out of the mean', () => {
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)])], categories(1, 2));
    const s = run(gt, [detection(1, 1, 0.5, [R(0, 2)]), detection(1, 2, 0.99, [R(5, 7)])]);
    // Category 1: 100. Category 2: no ground truth → -1, excluded (not averaged in as 0 → 50).
    expect(s.AP).toBeCloseTo(100, 10);
    expect(s.per_category[0].AP).toBeCloseTo(100, 10);
    expect(s.per_category[1]).toEqual({ id: 2, name: 'cat2', AP: -1 });
  });

  it('does not count a recall of exactly 7/10 as reaching the 0.7 threshold', () => {
    // 10 single-column objects, 7 found exactly, no FP: precision 1 while recall ≤ 0.7.
    // Recall thresholds 0.00 … 0.6900000000000001 (70 of them) are reached; linspace's 70th value
    // is 0.7000000000000001 > 0.7, so it and the 30 above get 0 → AP = 70/101 = 69.306…
    // (With thresholds i/100 it would be 71/101 = 70.297…)
    const gts = Array.from({ length: 10 }, (_, x) => gtTrack(1, 1, [R(x, x + 1)]));
    const dts = Array.from({ length: 7 }, (_, x) => detection(1, 1, 0.9 - x * 0.05, [R(x, x + 1)]));
    const s = run(dataset([video(1, 1)], gts), dts);
    expect(s.AP).toBeCloseTo((70 * 100) / 101, 10);
    expect(s.AR100).toBeCloseTo(70, 10);
  });

  it('reads ground-truth size from JSON areas (dropping null and 0) with inclusive bounds', () => {
    const frames = [R(0, 2), R(0, 2), R(0, 2)]; // 20 px masks: the JSON areas decide, not the masks
    const withAreas = (areas: (number | null)[]) =>
      run(dataset([video(1, 3)], [gtTrack(1, 1, frames, { areas })]), [detection(1, 1, 0.9, frames)]);
    // mean of [16384] = 128² exactly: both small and medium.
    const bound = withAreas([16384, 0, null]);
    expect(bound.APs).toBeCloseTo(100, 10);
    expect(bound.APm).toBeCloseTo(100, 10);
    expect(bound.APl).toBe(-1);
    // One above the bound: medium only.
    const above = withAreas([16385, null, null]);
    expect(above.APs).toBe(-1);
    expect(above.APm).toBeCloseTo(100, 10);
    // 256² exactly: medium and large.
    const upper = withAreas([65536, 65536, 0]);
    expect([upper.APs, upper.APm > 99, upper.APl > 99]).toEqual([-1, true, true]);
  });

  it('ignores an unmatched detection whose size (mean of its non-zero frame areas) is outside the range', () => {
    // 128×128 frames. The ground truth is medium by its JSON areas (20000).
    const full = rect(128, 128, 0, 128); // 16384 px
    const empty = rect(128, 128, 0, 0); // 0 px, but not null
    const gtFrames = [rect(128, 128, 0, 10), rect(128, 128, 0, 10)];
    const gt = dataset([video(1, 2, 128, 128)], [gtTrack(1, 1, gtFrames, { areas: [20000, 20000] })]);
    // FP (0.9) with frames [16384 px, 0 px]: size = mean of [16384] = 16384, inside medium (inclusive).
    const results = [detection(1, 1, 0.9, [full, empty]), detection(1, 1, 0.5, gtFrames)];
    const s = run(gt, results);
    // all: [FP, TP] → AP 50. medium: the FP counts (size 16384 ∈ [128², 256²]) → 50.
    // (Averaging the 0 frame in would give 8192 → ignored → 100.)
    expect(s.AP).toBeCloseTo(50, 10);
    expect(s.APm).toBeCloseTo(50, 10);
    expect(s.APl).toBe(-1);
    // A small FP (20 px) is ignored for the medium range: [ign, TP] → 100; in 'all' it still costs.
    const small = run(gt, [detection(1, 1, 0.9, [rect(128, 128, 50, 52, 0, 10), null]), results[1]]);
    expect(small.AP).toBeCloseTo(50, 10);
    expect(small.APm).toBeCloseTo(100, 10);
  });

  it('gives an IoU tie to the later ground truth', () => {
    // g1 = cols 0–1, g2 = cols 2–3. d1 = cols 0–3: IoU 20/40 = 0.5 with each. At t = 0.5 the later
    // one (g2) wins, so d2 (= g1) still finds g1: two TPs → AP50 100.
    // (Earlier-wins: d2 becomes an FP → recall [.5, .5], precision [1, .5] → AP50 = 51/101 = 50.5.)
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)]), gtTrack(1, 1, [R(2, 4)])]);
    const s = run(gt, [detection(1, 1, 0.9, [R(0, 4)]), detection(1, 1, 0.8, [R(0, 2)])]);
    expect(s.AP50).toBeCloseTo(100, 10);
  });

  it('prefers a regular ground truth at or above the threshold to a better-overlapping crowd region', () => {
    // Crowd C = cols 0–5 (60 px, listed first); regular G = cols 0–5 × rows 0–5 (36 px).
    // The detection equals C: IoU 1 with C, 36/60 = 0.6 with G. Regular ground truths are visited
    // first: at t = 0.50, 0.55, 0.60 it matches G (TP); above, it falls back to C (ignored, and
    // the lone G is then missed: precision 0). AP = 3/10 = 30, AP50 = 100, AP75 = 0.
    const gt = dataset(
      [video(1, 1)],
      [gtTrack(1, 1, [R(0, 6)], { iscrowd: 1 }), gtTrack(1, 1, [R(0, 6, 0, 6)])],
    );
    const s = run(gt, [detection(1, 1, 0.9, [R(0, 6)])]);
    expect(s.AP).toBeCloseTo(30, 10);
    expect(s.AP50).toBeCloseTo(100, 10);
    expect(s.AP75).toBe(0);
  });

  it('drops detections of unknown categories and can evaluate a subset of categories', () => {
    const gt = dataset([video(1, 1)], [gtTrack(1, 1, [R(0, 2)]), gtTrack(1, 2, [R(4, 6)])], categories(1, 2));
    const results = [
      detection(1, 99, 0.99, [R(0, 2)]), // unknown category: dropped, no error
      detection(1, 1, 0.9, [R(0, 2)]), // category 1: perfect
      detection(1, 2, 0.9, [R(8, 10)]), // category 2: a miss → 0
    ];
    expect(run(gt, results).AP).toBeCloseTo(50, 10);
    const onlyTwo = run(gt, results, [2]);
    expect(onlyTwo.AP).toBe(0);
    expect(onlyTwo.per_category).toEqual([{ id: 2, name: 'cat2', AP: 0 }]);
    expect(run(gt, results, [1]).AP).toBeCloseTo(100, 10);
    expect(() => run(gt, results, [5])).toThrow(PointvisDataError);
  });

  it('rejects ground truth without areas or iscrowd, and results for unknown videos', () => {
    const good = gtTrack(1, 1, [R(0, 2)]);
    const { areas: _areas, ...noAreas } = good;
    const { iscrowd: _crowd, ...noCrowd } = good;
    const res = [detection(1, 1, 0.9, [R(0, 2)])];
    expect(() => run(dataset([video(1, 1)], [noAreas as YtvisAnnotation]), res)).toThrow(/areas/);
    expect(() => run(dataset([video(1, 1)], [noAreas as YtvisAnnotation]), res)).toThrow(PointvisDataError);
    expect(() => run(dataset([video(1, 1)], [noCrowd as YtvisAnnotation]), res)).toThrow(/iscrowd/);
    expect(() => run(dataset([video(1, 1)], [good]), [detection(2, 1, 0.9, [R(0, 2)])])).toThrow(
      PointvisDataError,
    );
  });
});
