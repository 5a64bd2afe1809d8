// COCO mask AP/AR (official cocoeval semantics): hand-built cases, arithmetic in the comments.
// 10×10 images; rect(h, w, x0, x1, y0, y1) sets columns [x0, x1) and rows [y0, y1).
import { describe, expect, it } from 'vitest';
import { PointvisDataError } from '../../pointvis/errors';
import { evaluateCoco } from '../../pointvis/eval/index';
import type { CocoAnnotation, CocoDataset, CocoResult } from '../../pointvis/formats/types';
import { categories, cocoGt, compressed, image, rect } from './eval-fixtures';
import type { Rle } from '../../pointvis/formats/types';

const R = (x0: number, x1: number, y0 = 0, y1 = 10) => rect(10, 10, x0, x1, y0, y1);

function dataset(imageIds: number[], annotations: CocoAnnotation[]): CocoDataset {
  return { images: imageIds.map((id) => image(id)), annotations, categories: categories(1) };
}

function det(imageId: number, score: number, mask: Rle): CocoResult {
  return { image_id: imageId, category_id: 1, score, segmentation: compressed(mask) };
}

describe('evaluateCoco', () => {
  it('gives 100 for a perfect detection; 30 px is small', () => {
    const s = evaluateCoco(dataset([1], [cocoGt(1, 1, R(0, 3))]), [det(1, 0.9, R(0, 3))]);
    for (const key of ['AP', 'AP50', 'AP75', 'APs', 'AR1', 'AR10', 'AR100'] as const)
      expect(s[key]).toBeCloseTo(100, 10);
    expect([s.APm, s.APl]).toEqual([-1, -1]);
  });

  it('reports zeros for empty results', () => {
    const s = evaluateCoco(dataset([1], [cocoGt(1, 1, R(0, 3))]), []);
    expect([s.AP, s.AP50, s.AR100]).toEqual([0, 0, 0]);
  });

  it('matches crowd regions by intersection over the detection area, any number of times', () => {
    // Crowd C = cols 4–7 (40 px). d1, d2 = top half of C (20 px): intersection/area(dt) = 20/20 = 1
    // → ignored at every threshold (plain IoU would be 0.5). d3 = the regular object: TP.
    // Ranking [ign, ign, TP] → precision ≈1 at recall 1 → AP 100.
    const gt = dataset([1], [cocoGt(1, 1, R(0, 2)), cocoGt(1, 1, R(4, 8), { iscrowd: 1 })]);
    const s = evaluateCoco(gt, [
      det(1, 0.9, R(4, 8, 0, 5)),
      det(1, 0.8, R(4, 8, 0, 5)),
      det(1, 0.5, R(0, 2)),
    ]);
    expect(s.AP).toBeCloseTo(100, 10);
  });

  it('uses the JSON area with inclusive 32² and 96² bounds', () => {
    const at = (area: number) =>
      evaluateCoco(dataset([1], [cocoGt(1, 1, R(0, 2), { area })]), [det(1, 0.9, R(0, 2))]);
    const small = at(32 * 32); // 1024: small and medium
    expect([small.APs > 99, small.APm > 99, small.APl]).toEqual([true, true, -1]);
    const large = at(96 * 96); // 9216: medium and large
    expect([large.APs, large.APm > 99, large.APl > 99]).toEqual([-1, true, true]);
  });

  it('counts an IoU of exactly 0.75 as a match at 0.75', () => {
    // gt cols 0–3 (40 px), dt cols 0–2 (30 px): IoU 30/40 = 0.75 → TP at 0.50 … 0.75 (6 thresholds),
    // FP at 0.80 … 0.95 → AP = 6/10 = 60, AP75 = 100.
    const s = evaluateCoco(dataset([1], [cocoGt(1, 1, R(0, 4))]), [det(1, 0.9, R(0, 3))]);
    expect(s.AP).toBeCloseTo(60, 10);
    expect(s.AP75).toBeCloseTo(100, 10);
  });

  it('ranks tied scores of different images by ascending image id', () => {
    // Images [7, 3]; the FP in image 3 ranks before the TP in image 7 → AP = 0.5 · 51/101 (see the
    // YouTube-VIS test of the same shape).
    const gt = dataset([7, 3], [cocoGt(7, 1, R(0, 2)), cocoGt(3, 1, R(0, 2))]);
    const s = evaluateCoco(gt, [det(7, 0.5, R(0, 2)), det(3, 0.5, R(5, 7))]);
    expect(s.AP).toBeCloseTo((0.5 * 51 * 100) / 101, 10);
  });

  it('ignores an unmatched detection outside the area range, measured from its mask', () => {
    // gt medium by JSON area (2000). d1: FP of 20 px (small) → counts in 'all' ([FP, TP] → 50), ignored
    // in 'medium' ([ign, TP] → 100).
    const gt = dataset([1], [cocoGt(1, 1, R(0, 2), { area: 2000 })]);
    const s = evaluateCoco(gt, [det(1, 0.9, R(5, 7)), det(1, 0.5, R(0, 2))]);
    expect(s.AP).toBeCloseTo(50, 10);
    expect(s.APm).toBeCloseTo(100, 10);
    expect(s.APs).toBe(-1);
  });

  it('rejects results for unknown images and ground truth without area', () => {
    const gt = dataset([1], [cocoGt(1, 1, R(0, 2))]);
    expect(() => evaluateCoco(gt, [det(2, 0.5, R(0, 2))])).toThrow(PointvisDataError);
    const { area: _area, ...noArea } = cocoGt(1, 1, R(0, 2));
    expect(() => evaluateCoco(dataset([1], [noArea as CocoAnnotation]), [])).toThrow(/area/);
  });
});
