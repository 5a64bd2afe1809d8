// Building blocks of the evaluators: numpy-exact thresholds, and the run-walking video IoU checked
// against a brute-force pixel count on random masks.
import { describe, expect, it } from 'vitest';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS, numpyLinspace } from '../../pointvis/eval/index';
import { frameMask, intersectionArea, videoIou, type FrameMask } from '../../pointvis/eval/frame-mask';
import { encodeMask } from '../../pointvis/rle/index';

describe('thresholds', () => {
  it('reproduce numpy.linspace, one-ulp-high values included', () => {
    expect(RECALL_THRESHOLDS.length).toBe(101);
    // numpy: 35 * 0.01 + 0 = 0.35000000000000003, 70 * 0.01 = 0.7000000000000001, …
    const high = [35, 41, 47, 57, 69, 70, 82, 83, 94, 95];
    for (let i = 0; i <= 100; i++) {
      if (high.includes(i)) expect(RECALL_THRESHOLDS[i]).toBeGreaterThan(i / 100);
      else expect(RECALL_THRESHOLDS[i]).toBe(i / 100);
    }
    expect(RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(RECALL_THRESHOLDS[70]).toBe(0.7000000000000001);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
    // iouThrs: 0.5 + i · (0.45 / 9); 0.75 is exact (AP75 selects it by equality), 0.9 is not.
    expect(Array.from(IOU_THRESHOLDS)).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ]);
    expect(Array.from(numpyLinspace(2, 3, 1))).toEqual([2]);
  });
});

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMask(next: () => number, h: number, w: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  const density = next();
  const x0 = Math.floor(next() * w);
  const x1 = x0 + Math.floor(next() * (w - x0 + 1));
  for (let y = 0; y < h; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = next() < density ? 1 : 0;
  return mask;
}

function pixelCount(mask: Uint8Array): number {
  return mask.reduce((sum, v) => sum + v, 0);
}

describe('video IoU on runs', () => {
  it('agrees with pixel counting on random masks', () => {
    const next = random(7);
    const h = 9;
    const w = 13;
    for (let trial = 0; trial < 300; trial++) {
      const a = randomMask(next, h, w);
      const b = randomMask(next, h, w);
      const both = a.map((v, i) => v & b[i]);
      expect(intersectionArea(frameMask(encodeMask(a, h, w)), frameMask(encodeMask(b, h, w)))).toBe(
        pixelCount(both),
      );
    }
  });

  it('sums intersections and unions over frames, one-sided frames into the union', () => {
    const next = random(11);
    const h = 6;
    const w = 7;
    for (let trial = 0; trial < 100; trial++) {
      const frames = 1 + Math.floor(next() * 4);
      const make = () => Array.from({ length: frames }, () => (next() < 0.3 ? null : randomMask(next, h, w)));
      const dt = make();
      const gt = make();
      let inter = 0;
      let union = 0;
      for (let f = 0; f < frames; f++) {
        const d = dt[f] ?? new Uint8Array(h * w);
        const g = gt[f] ?? new Uint8Array(h * w);
        inter += pixelCount(d.map((v, i) => v & g[i]));
        union += pixelCount(d.map((v, i) => v | g[i]));
      }
      const toMasks = (list: (Uint8Array | null)[]): (FrameMask | null)[] =>
        list.map((m) => (m === null ? null : frameMask(encodeMask(m, h, w))));
      expect(videoIou(toMasks(dt), toMasks(gt))).toBe(union > 0 ? inter / union : 0);
    }
  });
});
