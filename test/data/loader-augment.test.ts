import { describe, expect, test, afterAll, beforeAll } from 'vitest';
import {
  applyAugment,
  augmentSample,
  planAugment,
  shortEdgeSize,
  mapPoint,
  type AugmentConfig,
  type AugmentPlan,
  type ImageSample,
  YtvisMaskSource,
} from '../../pointvis/data';
import { bilinearTaps, nearestIndices, resampleRgb } from '../../pointvis/data/resample';
import type { LabeledPoint } from '../../pointvis/formats/types';
import {
  generateTinySynth,
  handSample,
  rectMask,
  removeTempDirs,
  type SynthFixture,
} from './loader-fixtures';

// Augmentation: resize arithmetic against hand-derived sizes, bilinear/nearest against
// independent formulas, determinism per (seed, epoch, index), and masks and points moving together.

let synth: SynthFixture;
beforeAll(() => {
  synth = generateTinySynth();
});
afterAll(removeTempDirs);

describe('shortEdgeSize (detectron2 ResizeShortestEdge)', () => {
  test('landscape, portrait and the max-size cap, derived by hand', () => {
    expect(shortEdgeSize(480, 640, 360)).toEqual([360, 480]); // ×0.75
    expect(shortEdgeSize(640, 480, 360)).toEqual([480, 360]);
    // 720×1280 → short 480 gives 480×853.33 > 800, so ×(800/853.33): 450×800.
    expect(shortEdgeSize(720, 1280, 480, 800)).toEqual([450, 800]);
    // 64×64 → 80: square.
    expect(shortEdgeSize(64, 64, 80)).toEqual([80, 80]);
    // 100×150 → 67: 67×100.5 → int(100.5 + 0.5) = 101.
    expect(shortEdgeSize(100, 150, 67)).toEqual([67, 101]);
  });
});

/** Classic half-pixel bilinear with edge clamping (what upscaling must equal). */
function bilinearAt(src: Uint8Array, h: number, w: number, c: number, sy: number, sx: number): number {
  const clampY = (v: number) => Math.min(h - 1, Math.max(0, v));
  const clampX = (v: number) => Math.min(w - 1, Math.max(0, v));
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const fy = sy - y0;
  const fx = sx - x0;
  const at = (y: number, x: number) => src[(clampY(y) * w + clampX(x)) * 3 + c];
  return (
    (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
    fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1))
  );
}

describe('resampling', () => {
  test('same size is an exact copy', () => {
    const sample = handSample(9, 13, 3);
    const out = resampleRgb(sample.image, 9, 13, bilinearTaps(9, 9), bilinearTaps(13, 13));
    expect(out).toEqual(sample.image);
  });

  test('upscaling equals half-pixel bilinear with clamped edges', () => {
    const [h, w, oh, ow] = [5, 7, 12, 10];
    const src = handSample(h, w, 5).image;
    const out = resampleRgb(src, h, w, bilinearTaps(h, oh), bilinearTaps(w, ow));
    let worst = 0;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let c = 0; c < 3; c++) {
          const sy = ((i + 0.5) * h) / oh - 0.5;
          const sx = ((j + 0.5) * w) / ow - 0.5;
          worst = Math.max(worst, Math.abs(out[(i * ow + j) * 3 + c] - bilinearAt(src, h, w, c, sy, sx)));
        }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-9); // only the final rounding
  });

  test('halving averages with the antialiasing kernel [1, 3, 3, 1] / 8 (renormalised at the edges)', () => {
    const row = Uint8Array.from([0, 80, 160, 240, 40, 200, 120, 8]);
    const src = new Uint8Array(8 * 3);
    row.forEach((v, x) => src.fill(v, x * 3, x * 3 + 3));
    const out = resampleRgb(src, 1, 8, bilinearTaps(1, 1), bilinearTaps(8, 4));
    const kernel = [1, 3, 3, 1];
    for (let j = 0; j < 4; j++) {
      let sum = 0;
      let weight = 0;
      for (let m = 0; m < 4; m++) {
        const x = 2 * j - 1 + m;
        if (x < 0 || x >= 8) continue;
        sum += kernel[m] * row[x];
        weight += kernel[m];
      }
      expect(Math.abs(out[j * 3] - sum / weight)).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  test('nearest picks the source pixel under each output centre', () => {
    expect([...nearestIndices(4, 2)]).toEqual([1, 3]); // centres 0.5, 1.5 → ×2 = 1, 3
    expect([...nearestIndices(2, 4)]).toEqual([0, 0, 1, 1]); // centres ×0.5: .25 .75 1.25 1.75
    expect([...nearestIndices(3, 3)]).toEqual([0, 1, 2]);
  });
});

describe('planning and applying', () => {
  const config: AugmentConfig = {
    shortEdge: [40, 64, 100, 130],
    maxSize: 150,
    flip: true,
    crop: { size: 56 },
  };

  test('a plan is a function of (seed, epoch, index) only', () => {
    const a = planAugment(64, 64, config, { seed: 3, epoch: 1, index: 5 });
    const b = planAugment(64, 64, config, { seed: 3, epoch: 1, index: 5 });
    expect(a).toEqual(b);
    const plans = (key: (k: number) => { seed: number; epoch: number; index: number }) =>
      Array.from({ length: 24 }, (_, k) => JSON.stringify(planAugment(64, 64, config, key(k))));
    const base = plans((k) => ({ seed: 3, epoch: 1, index: k }));
    expect(plans((k) => ({ seed: 3, epoch: 2, index: k }))).not.toEqual(base);
    expect(plans((k) => ({ seed: 4, epoch: 1, index: k }))).not.toEqual(base);
    // Every choice is used and stays within bounds.
    const all = Array.from({ length: 200 }, (_, k) =>
      planAugment(64, 64, config, { seed: 1, epoch: 0, index: k }),
    );
    expect(new Set(all.map((p) => p.resized[0]))).toEqual(new Set([40, 64, 100, 130]));
    expect(new Set(all.map((p) => p.flip))).toEqual(new Set([true, false]));
    for (const p of all) {
      expect(p.crop.height).toBe(Math.min(56, p.resized[0]));
      expect(p.crop.y + p.crop.height).toBeLessThanOrEqual(p.resized[0]);
      expect(p.crop.x + p.crop.width).toBeLessThanOrEqual(p.resized[1]);
    }
  });

  test("'range' sampling draws integers in [min, max]", () => {
    const sizes = Array.from({ length: 300 }, (_, k) =>
      planAugment(
        360,
        640,
        { shortEdge: [360, 480], shortEdgeSampling: 'range' },
        { seed: 0, epoch: 0, index: k },
      ),
    ).map((p) => p.resized[0]);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(360);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(480);
    expect(new Set(sizes).size).toBeGreaterThan(60);
  });

  test('augmenting twice gives identical bytes', () => {
    const source = new YtvisMaskSource({ annotations: synth.videosJson, frameRoot: synth.videosRoot });
    const sample = source.load(3);
    const key = { seed: 11, epoch: 2, index: 3 };
    expect(augmentSample(sample, config, key)).toEqual(augmentSample(sample, config, key));
  });

  test('flip mirrors image and masks column by column, and points x → W − x', () => {
    const mask = rectMask(4, 6, 1, 3, 0, 2);
    const sample = handSample(4, 6, 1, [{ objectId: 1, categoryId: 9, classIndex: 0, mask }]);
    sample.points = [
      {
        objectId: 1,
        categoryId: 9,
        classIndex: 0,
        points: [
          [0.5, 1.5, 1],
          [5.25, 0.5, 0],
          [0, 2, 1],
        ],
      },
    ];
    const plan: AugmentPlan = { resized: [4, 6], crop: { y: 0, x: 0, height: 4, width: 6 }, flip: true };
    const out = applyAugment(sample, plan);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 6; x++) {
        for (let c = 0; c < 3; c++)
          expect(out.image[(y * 6 + x) * 3 + c]).toBe(sample.image[(y * 6 + 5 - x) * 3 + c]);
        expect(out.instances[0].mask[y * 6 + x]).toBe(mask[y * 6 + 5 - x]);
      }
    const points = out.points?.[0].points ?? [];
    expect(points[0]).toEqual([5.5, 1.5, 1]);
    expect(points[1]).toEqual([0.75, 0.5, 0]);
    // The left edge maps just inside the right edge, never onto it.
    expect(points[2][0]).toBeLessThan(6);
    expect(points[2][0]).toBeGreaterThan(6 - 1e-9);
  });

  test('crop keeps the window, drops objects left empty and points outside', () => {
    const inside = rectMask(4, 4, 2, 4, 2, 4);
    const outside = rectMask(4, 4, 0, 1, 0, 1);
    const sample = handSample(4, 4, 2, [
      { objectId: 1, categoryId: 1, classIndex: 0, mask: inside },
      { objectId: 2, categoryId: 1, classIndex: 0, mask: outside },
    ]);
    sample.points = [
      {
        objectId: 1,
        categoryId: 1,
        classIndex: 0,
        points: [
          [3.5, 3.5, 1],
          [0.5, 0.5, 0],
        ],
      },
      { objectId: 2, categoryId: 1, classIndex: 0, points: [[0.5, 0.5, 1]] },
    ];
    const plan: AugmentPlan = { resized: [4, 4], crop: { y: 2, x: 2, height: 2, width: 2 }, flip: false };
    const out = applyAugment(sample, plan);
    expect([out.height, out.width]).toEqual([2, 2]);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++)
        for (let c = 0; c < 3; c++)
          expect(out.image[(y * 2 + x) * 3 + c]).toBe(sample.image[((y + 2) * 4 + x + 2) * 3 + c]);
    expect(out.instances.map((i) => i.objectId)).toEqual([1]);
    expect([...out.instances[0].mask]).toEqual([1, 1, 1, 1]);
    expect(out.points).toEqual([{ objectId: 1, categoryId: 1, classIndex: 0, points: [[1.5, 1.5, 1]] }]);
  });
});

/** Pixels whose (2r+1)² neighbourhood all has value `value` in the mask (safe from resampling at the edges). */
function uniformPixels(mask: Uint8Array, h: number, w: number, value: number, r: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = r; i < h - r; i++)
    for (let j = r; j < w - r; j++) {
      let ok = true;
      for (let di = -r; di <= r && ok; di++)
        for (let dj = -r; dj <= r && ok; dj++) ok = mask[(i + di) * w + j + dj] === value;
      if (ok) out.push([i, j]);
    }
  return out;
}

describe('masks and points stay together', () => {
  test('on synth frames, points well inside a mask land inside its augmented mask (and outside stays outside)', () => {
    const source = new YtvisMaskSource({
      annotations: synth.videosJson,
      frameRoot: synth.videosRoot,
      frameSampling: 'non-empty',
    });
    const config: AugmentConfig = {
      shortEdge: [40, 64, 100, 130],
      maxSize: 150,
      flip: true,
      crop: { size: 56 },
    };
    let checked = 0;
    let flipped = 0;
    const wrong: string[] = [];
    for (let index = 0; index < Math.min(source.size, 40); index++) {
      const sample: ImageSample = source.load(index);
      const { height: h, width: w } = sample;
      const plan = planAugment(h, w, config, { seed: 5, epoch: 0, index });
      flipped += plan.flip ? 1 : 0;
      const out = applyAugment(sample, plan);
      for (const instance of sample.instances) {
        const after = out.instances.find((i) => i.objectId === instance.objectId);
        // Shrinking to 40/64 moves a nearest pick at most 0.8 px: a 1-pixel margin is enough.
        const probe = (pixels: [number, number][], label: 0 | 1) => {
          for (const [i, j] of pixels) {
            const point: LabeledPoint = [j + 0.5, i + 0.5, label];
            const mapped = mapPoint(point, h, w, plan);
            if (!mapped) continue;
            const value = after ? after.mask[Math.floor(mapped[1]) * out.width + Math.floor(mapped[0])] : 0;
            if (value !== label)
              wrong.push(`object ${instance.objectId}, pixel ${i},${j}, plan ${JSON.stringify(plan)}`);
            checked++;
          }
        };
        probe(uniformPixels(instance.mask, h, w, 1, 1), 1);
        probe(
          uniformPixels(instance.mask, h, w, 0, 1).filter((_, k) => k % 7 === 0),
          0,
        );
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
    expect(flipped).toBeGreaterThan(5);
  });
});
