import {
  dtPositives,
  maskBox,
  randomPositives,
  roundHalfEven,
  sampleNegatives,
  squaredDistanceToBackground,
  subsampleFrames,
  subsampledFrameCount,
} from '../../pointvis/points';
import { Rng } from '../../pointvis/synth';

// Frame subsampling, the distance transform and per-mask point rules, each checked against values
// worked out by hand or by brute force.

describe('subsampleFrames (MinVIS rule)', () => {
  test('hand-computed lengths and ratios', () => {
    // n = max(round(len·r), 1); frames floor(i·len/n); n = 1 → floor(len/2).
    expect(subsampleFrames(36, 0.1)).toEqual([0, 9, 18, 27]); // 3.6 → 4
    expect(subsampleFrames(30, 0.1)).toEqual([0, 10, 20]);
    expect(subsampleFrames(25, 0.1)).toEqual([0, 12]); // 2.5 → 2 (half to even), 12.5 → 12
    expect(subsampleFrames(15, 0.1)).toEqual([0, 7]); // 1.5 → 2, 7.5 → 7
    expect(subsampleFrames(7, 0.3)).toEqual([0, 3]); // 2.1 → 2, 3.5 → 3
    expect(subsampleFrames(10, 0.3)).toEqual([0, 3, 6]); // 3.33 → 3, 6.67 → 6
    expect(subsampleFrames(10, 0.05)).toEqual([5]); // 0.5 → 0 → 1: middle frame
    expect(subsampleFrames(36, 0.01)).toEqual([18]);
    expect(subsampleFrames(7, 0.01)).toEqual([3]);
    expect(subsampleFrames(1, 0.1)).toEqual([0]);
    expect(subsampleFrames(6, 1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(subsampleFrames(180, 0.05)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160]); // 9 frames
    expect(subsampledFrameCount(45, 0.05)).toBe(2); // 2.25
    expect(() => subsampleFrames(10, 0)).toThrow(RangeError);
    expect(() => subsampleFrames(0, 0.5)).toThrow(RangeError);
  });

  test('roundHalfEven', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001].map((x) => roundHalfEven(x) + 0)).toEqual([
      0, 2, 2, 4, 0, -2, 2, 3,
    ]);
  });
});

/** Masks of assorted shapes and sizes, some touching the frame, from a seeded stream. */
function randomMasks(count: number): { mask: Uint8Array; h: number; w: number }[] {
  const rng = Rng.fromSeed(99);
  const masks = [
    { mask: new Uint8Array([1]), h: 1, w: 1 },
    { mask: new Uint8Array(12).fill(1), h: 3, w: 4 },
    { mask: new Uint8Array(20), h: 4, w: 5 },
  ];
  for (let n = 0; n < count; n++) {
    const h = rng.int(1, 12);
    const w = rng.int(1, 12);
    const density = rng.uniform(0.3, 0.95);
    const mask = new Uint8Array(h * w);
    for (let p = 0; p < mask.length; p++) mask[p] = rng.chance(density) ? 1 : 0;
    masks.push({ mask, h, w });
  }
  return masks;
}

/** Squared distance from each pixel to the nearest background pixel, the frame's outside included. O(n²). */
function bruteForceDistance(mask: Uint8Array, h: number, w: number): number[] {
  const background: [number, number][] = [];
  for (let i = -1; i <= h; i++) {
    for (let j = -1; j <= w; j++) {
      const outside = i < 0 || j < 0 || i >= h || j >= w;
      if (outside || mask[i * w + j] === 0) background.push([i, j]);
    }
  }
  return Array.from(mask, (m, p) => {
    if (m === 0) return 0;
    const [i, j] = [Math.floor(p / w), p % w];
    return Math.min(...background.map(([bi, bj]) => (bi - i) ** 2 + (bj - j) ** 2));
  });
}

describe('squaredDistanceToBackground', () => {
  test('equals the brute-force transform on random masks', () => {
    for (const { mask, h, w } of randomMasks(60)) {
      expect(Array.from(squaredDistanceToBackground(mask, h, w))).toEqual(bruteForceDistance(mask, h, w));
    }
  });

  test('a 5×5 full mask: 1 on the border ring, 4 next, 9 in the centre (outside counts as background)', () => {
    const d = squaredDistanceToBackground(new Uint8Array(25).fill(1), 5, 5);
    expect(Array.from(d.subarray(10, 15))).toEqual([1, 4, 9, 4, 1]);
  });
});

describe('positives', () => {
  test('dt: the first point is a deepest pixel (first in row-major order among ties)', () => {
    for (const { mask, h, w } of randomMasks(60)) {
      const area = mask.reduce((n, m) => n + m, 0);
      const { pixels } = dtPositives(mask, h, w, 1);
      if (area === 0) {
        expect(pixels).toEqual([]);
        continue;
      }
      const brute = bruteForceDistance(mask, h, w);
      const deepest = Math.max(...brute);
      expect(brute[pixels[0]]).toBe(deepest);
      expect(pixels[0]).toBe(brute.indexOf(deepest));
    }
  });

  test('dt: each further point maximises the distance to background and to the points before it', () => {
    for (const { mask, h, w } of randomMasks(30)) {
      const area = mask.reduce((n, m) => n + m, 0);
      const { pixels, repeated } = dtPositives(mask, h, w, 10);
      if (area === 0) continue;
      expect(pixels).toHaveLength(10);
      expect(repeated).toBe(Math.max(0, 10 - area));
      const brute = bruteForceDistance(mask, h, w);
      pixels.forEach((chosen, k) => {
        expect(mask[chosen]).toBe(1);
        const score = (p: number) =>
          Math.min(
            brute[p],
            ...pixels
              .slice(0, k)
              .map((q) => (Math.floor(p / w) - Math.floor(q / w)) ** 2 + ((p % w) - (q % w)) ** 2),
          );
        let best = 0;
        mask.forEach((m, p) => {
          if (m) best = Math.max(best, score(p));
        });
        expect(score(chosen)).toBe(best);
      });
      if (area >= 10) expect(new Set(pixels).size).toBe(10);
    }
  });

  test('random: mask pixels, distinct while there are enough, uniform over the mask', () => {
    for (const { mask } of randomMasks(30)) {
      const area = mask.reduce((n, m) => n + m, 0);
      const { pixels, repeated } = randomPositives(mask, 5, Rng.fromSeed(area));
      for (const p of pixels) expect(mask[p]).toBe(1);
      expect(pixels).toHaveLength(area === 0 ? 0 : 5);
      expect(new Set(pixels).size).toBe(Math.min(area, 5));
      expect(repeated).toBe(area === 0 ? 0 : Math.max(0, 5 - area));
    }
    const four = new Uint8Array([0, 1, 1, 0, 1, 0, 0, 1, 0]);
    const hits = new Map<number, number>();
    for (let s = 0; s < 4000; s++) {
      const [p] = randomPositives(four, 1, Rng.fromSeed(s)).pixels;
      hits.set(p, (hits.get(p) ?? 0) + 1);
    }
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual([1, 2, 4, 7]);
    for (const n of hits.values()) expect(Math.abs(n - 1000)).toBeLessThan(130);
  });
});

describe('negatives', () => {
  // An L-shaped mask in a 20×24 frame: box columns 6..13, rows 5..12 (8×8), with empty corners.
  const [h, w] = [20, 24];
  const mask = new Uint8Array(h * w);
  for (let i = 5; i < 13; i++) for (let j = 6; j < 14; j++) if (i >= 9 || j < 9) mask[i * w + j] = 1;

  test('maskBox is the tight box', () => {
    expect(maskBox(mask, h, w)).toEqual({ x0: 6, y0: 5, x1: 14, y1: 13 });
    expect(maskBox(new Uint8Array(4), 2, 2)).toBeNull();
  });

  test('inbox: inside the box, off the mask', () => {
    const box = maskBox(mask, h, w)!;
    const { pixels, sources } = sampleNegatives(mask, h, w, box, 'inbox', 15, Rng.fromSeed(1));
    expect(pixels).toHaveLength(15);
    expect(new Set(pixels).size).toBe(15);
    for (const p of pixels) {
      const [i, j] = [Math.floor(p / w), p % w];
      expect(mask[p]).toBe(0);
      expect(j >= 6 && j < 14 && i >= 5 && i < 13).toBe(true);
    }
    expect(sources.every((s) => s === 'inbox')).toBe(true);
  });

  test('outbox: outside the box, centre inside the 200% box (x in [2, 18], y in [1, 17])', () => {
    const box = maskBox(mask, h, w)!;
    const { pixels, sources } = sampleNegatives(mask, h, w, box, 'outbox', 150, Rng.fromSeed(2));
    expect(new Set(pixels).size).toBe(150);
    for (const p of pixels) {
      const [x, y] = [(p % w) + 0.5, Math.floor(p / w) + 0.5];
      const inBox = x > 6 && x < 14 && y > 5 && y < 13;
      expect(inBox).toBe(false);
      expect(x >= 2 && x <= 18 && y >= 1 && y <= 17).toBe(true);
    }
    expect(sources.every((s) => s === 'outbox')).toBe(true);
    // The 200% box holds 16×16 pixel centres, 64 of them in the box: at most 192 outbox candidates.
    const all = sampleNegatives(mask, h, w, box, 'outbox', 400, Rng.fromSeed(3));
    expect(all.sources.filter((s) => s === 'outbox')).toHaveLength(16 * 16 - 64);
  });

  test('fallbacks: a full box borrows outbox pixels; no room at all leaves the negative missing', () => {
    const rect = new Uint8Array(10 * 10);
    for (let i = 3; i < 6; i++) for (let j = 2; j < 7; j++) rect[i * 10 + j] = 1;
    const box = maskBox(rect, 10, 10)!;
    const pick = sampleNegatives(rect, 10, 10, box, 'inbox', 2, Rng.fromSeed(4));
    expect(pick.sources).toEqual(['outbox', 'outbox']);
    for (const p of pick.pixels) expect(rect[p]).toBe(0);

    // Everything but pixel (0, 0): the box is the frame, outbox has no candidates → inbox.
    const nearlyFull = new Uint8Array(16).fill(1);
    nearlyFull[0] = 0;
    const fullBox = maskBox(nearlyFull, 4, 4)!;
    const borrowed = sampleNegatives(nearlyFull, 4, 4, fullBox, 'outbox', 3, Rng.fromSeed(5));
    expect(borrowed.pixels).toEqual([0, 0, 0]);
    expect(borrowed.sources).toEqual(['inbox', 'inbox', 'inbox']);
    expect(borrowed.repeated).toBe(2);

    const full = new Uint8Array(16).fill(1);
    const none = sampleNegatives(full, 4, 4, maskBox(full, 4, 4)!, 'inbox', 2, Rng.fromSeed(6));
    expect(none.pixels).toEqual([]);
    expect(none.missing).toBe(2);
  });

  test('a frame tier outside the 200% box is used only after both box rules run out', () => {
    const dot = new Uint8Array(9 * 9);
    dot[4 * 9 + 4] = 1; // 1×1 box: inbox empty, 200% box is the 2×2-wide square around it
    const box = maskBox(dot, 9, 9)!;
    const pick = sampleNegatives(dot, 9, 9, box, 'outbox', 10, Rng.fromSeed(7));
    // Centres within [3.5, 5.5]²: pixels 3..5 in each axis except the mask pixel → 8 outbox.
    expect(pick.sources.filter((s) => s === 'outbox')).toHaveLength(8);
    expect(pick.sources.slice(8)).toEqual(['frame', 'frame']);
  });
});
