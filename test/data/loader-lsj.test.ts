import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../model/config';
import {
  type AugmentPlan,
  type ImageSample,
  type LsjAugment,
  type SampleSource,
  IMAGENET_COLLATE,
  LSJ_PAD_VALUE,
  TrainLoader,
  applyAugment,
  augmentSample,
  lsjResizedSize,
  planAugment,
} from '../../pointvis/data';
import { augmentFromInput } from '../../pointvis/train/data-setup';
import { handSample, rectMask } from './loader-fixtures';

// COCO large-scale jitter (detectron2's RandomFlip → ResizeScale → FixedSizeCrop with padding):
// sizes against hand arithmetic, pad/crop geometry on hand-made images and masks, the
// flip-then-crop offset, dropped empty objects, and determinism / exact resume.

const LSJ: LsjAugment = { kind: 'lsj', imageSize: 32, minScale: 0.1, maxScale: 2.0, flip: true };

describe('ResizeScale sizes', () => {
  test('the image fits in imageSize·scale on both sides, derived by hand', () => {
    // target 512: min(512/480, 512/640) = 0.8 → 384 × 512.
    expect(lsjResizedSize(480, 640, 1024, 0.5)).toEqual([384, 512]);
    // target 1536: min(3.2, 2.4) = 2.4 → 1152 × 1536.
    expect(lsjResizedSize(480, 640, 1024, 1.5)).toEqual([1152, 1536]);
    // Portrait, target 102.4: min(0.16, 0.2133) = 0.16 → 102.4 × 76.8 → 102 × 77.
    expect(lsjResizedSize(640, 480, 1024, 0.1)).toEqual([102, 77]);
    // Ties: target 2.5, factor 0.25 → 1.25 × 2.5 → 1 × 2 (2.5 rounds to even 2).
    expect(lsjResizedSize(5, 10, 5, 0.5)).toEqual([1, 2]);
    // target 7, factor 0.875 → 3.5 × 7 → 4 × 7 (3.5 rounds to even 4).
    expect(lsjResizedSize(4, 8, 7, 1)).toEqual([4, 7]);
  });
});

function solidSample(height: number, width: number, rgb: [number, number, number]): ImageSample {
  const sample = handSample(height, width);
  for (let p = 0; p < height * width; p++) sample.image.set(rgb, p * 3);
  return sample;
}

const maskRows = (mask: Uint8Array, w: number) =>
  Array.from({ length: mask.length / w }, (_, i) => [...mask.subarray(i * w, (i + 1) * w)]);

describe('scale, crop and pad on hand-made samples', () => {
  test('a shrunk image sits top-left on a 128 canvas; masks pad with 0; a vanished object is dropped', () => {
    const sample = solidSample(4, 6, [200, 100, 50]);
    sample.instances = [
      { objectId: 1, categoryId: 3, classIndex: 0, mask: rectMask(4, 6, 0, 2, 2, 6) },
      { objectId: 2, categoryId: 3, classIndex: 0, mask: rectMask(4, 6, 2, 4, 0, 2) },
      // Only pixel (0, 0): halving samples source rows 1, 3 and columns 1, 3, 5, so it vanishes.
      { objectId: 3, categoryId: 3, classIndex: 0, mask: rectMask(4, 6, 0, 1, 0, 1) },
    ];
    const plan: AugmentPlan = {
      resized: [2, 3],
      crop: { y: 0, x: 0, height: 2, width: 3 },
      flip: false,
      pad: { height: 5, width: 5, value: LSJ_PAD_VALUE },
    };
    const out = applyAugment(sample, plan);
    expect([out.height, out.width, out.image.length]).toEqual([5, 5, 75]);
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 5; x++) {
        const pixel = [...out.image.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)];
        expect(pixel).toEqual(y < 2 && x < 3 ? [200, 100, 50] : [128, 128, 128]);
      }
    expect(out.instances.map((i) => i.objectId)).toEqual([1, 2]);
    // Object 1 (rows 0–1, cols 2–5): output row 0 ← source row 1, columns ← 1, 3, 5.
    expect(maskRows(out.instances[0].mask, 5)).toEqual([
      [0, 1, 1, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    // Object 2 (rows 2–3, cols 0–1): output row 1 ← source row 3, column 0 ← source column 1.
    expect(maskRows(out.instances[1].mask, 5)[1]).toEqual([1, 0, 0, 0, 0]);
    expect(out.instances[1].mask.reduce((a, b) => a + b, 0)).toBe(1);
  });

  test('an enlarged image is cropped to the window (no padding needed)', () => {
    const sample = handSample(3, 3, 4, [
      { objectId: 7, categoryId: 1, classIndex: 0, mask: rectMask(3, 3, 1, 2, 1, 2) },
      { objectId: 8, categoryId: 1, classIndex: 0, mask: rectMask(3, 3, 0, 1, 0, 1) },
    ]);
    // ×2 to 6×6, window rows 2..5, cols 1..4, output 4×4.
    const plan: AugmentPlan = {
      resized: [6, 6],
      crop: { y: 2, x: 1, height: 4, width: 4 },
      flip: false,
      pad: { height: 4, width: 4, value: LSJ_PAD_VALUE },
    };
    const out = applyAugment(sample, plan);
    expect([out.height, out.width]).toEqual([4, 4]);
    // Nearest: output row i ← floor((i + 2 + 0.5) / 2) = 1, 1, 2, 2; column j ← floor((j + 1.5) / 2) = 0, 1, 1, 2.
    // Object 8 (pixel 0,0) never sampled: dropped. Object 7 (pixel 1,1): rows 0–1 × columns 1–2.
    expect(out.instances.map((i) => i.objectId)).toEqual([7]);
    expect(maskRows(out.instances[0].mask, 4)).toEqual([
      [0, 1, 1, 0],
      [0, 1, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    // Image: half-pixel bilinear with clamped edges at the resized pixel (i + 2, j + 1).
    const clamp = (v: number) => Math.min(2, Math.max(0, v));
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        for (let c = 0; c < 3; c++) {
          const sy = (i + 2 + 0.5) / 2 - 0.5;
          const sx = (j + 1 + 0.5) / 2 - 0.5;
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          const at = (y: number, x: number) => sample.image[(clamp(y) * 3 + clamp(x)) * 3 + c];
          const fy = sy - y0;
          const fx = sx - x0;
          const expected =
            (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
            fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
          expect(Math.abs(out.image[(i * 4 + j) * 3 + c] - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
        }
  });
});

describe('planned LSJ on a rectangle, against continuous geometry', () => {
  // 40×60 image, object rows [10, 25) × columns [5, 20); imageSize 32.
  const [H, W] = [40, 60];
  const [y0, y1, x0, x1] = [10, 25, 5, 20];
  const plans = Array.from({ length: 300 }, (_, index) =>
    planAugment(H, W, LSJ, { seed: 2, epoch: 0, index }),
  );

  test('scales cover [0.1, 2.0) and the output is always imageSize²', () => {
    // Landscape: the width limits, so resized width = round(s · 32).
    const scales = plans.map((p) => p.resized[1] / 32);
    expect(Math.min(...scales)).toBeGreaterThanOrEqual(0.1 - 0.5 / 32);
    expect(Math.max(...scales)).toBeLessThanOrEqual(2.0 + 0.5 / 32);
    expect(Math.min(...scales)).toBeLessThan(0.2);
    expect(Math.max(...scales)).toBeGreaterThan(1.9);
    for (const p of plans) {
      expect(Math.abs(p.resized[0] - (p.resized[1] * H) / W)).toBeLessThanOrEqual(1);
      expect(p.pad).toEqual({ height: 32, width: 32, value: 128 });
      expect(p.crop.height).toBe(Math.min(32, p.resized[0]));
      expect(p.crop.width).toBe(Math.min(32, p.resized[1]));
    }
    expect(new Set(plans.map((p) => p.flip))).toEqual(new Set([true, false]));
  });

  test('one uniform draw sets both offsets, the horizontal one counted in the flipped image', () => {
    let both = 0;
    for (const p of plans) {
      const maxY = p.resized[0] - p.crop.height;
      const maxX = p.resized[1] - p.crop.width;
      if (maxY < 4 || maxX < 4) continue;
      const offsetX = p.flip ? maxX - p.crop.x : p.crop.x;
      expect(Math.abs(p.crop.y / maxY - offsetX / maxX)).toBeLessThanOrEqual(0.5 / maxY + 0.5 / maxX + 1e-12);
      both += p.flip ? 1 : 0;
    }
    expect(both).toBeGreaterThan(20);
  });

  test('the mask is the flipped, scaled, shifted rectangle (±1 px); pad stays empty', () => {
    const sample = solidSample(H, W, [10, 20, 30]);
    sample.instances = [{ objectId: 5, categoryId: 2, classIndex: 0, mask: rectMask(H, W, y0, y1, x0, x1) }];
    let kept = 0;
    let dropped = 0;
    plans.forEach((plan, index) => {
      const out = augmentSample(sample, LSJ, { seed: 2, epoch: 0, index });
      expect([out.height, out.width]).toEqual([32, 32]);
      const [rh, rw] = plan.resized;
      const { height: ch, width: cw } = plan.crop;
      // Flip first (columns [W − x1, W − x0)), scale, then shift by the offsets in the flipped image.
      const [fx0, fx1] = plan.flip ? [W - x1, W - x0] : [x0, x1];
      const offsetX = plan.flip ? rw - cw - plan.crop.x : plan.crop.x;
      const top = Math.max(0, (y0 * rh) / H - plan.crop.y);
      const bottom = Math.min(ch, (y1 * rh) / H - plan.crop.y);
      const left = Math.max(0, (fx0 * rw) / W - offsetX);
      const right = Math.min(cw, (fx1 * rw) / W - offsetX);
      const mask = out.instances[0]?.mask;
      if (bottom - top < 1 || right - left < 1) {
        if (bottom - top <= 0 || right - left <= 0) expect(mask).toBeUndefined();
        if (!mask) dropped++;
        return;
      }
      expect(mask).toBeDefined();
      kept++;
      let [minY, maxY, minX, maxX, count, wrongPixels] = [Infinity, -1, Infinity, -1, 0, 0];
      for (let i = 0; i < 32; i++)
        for (let j = 0; j < 32; j++) {
          const fill = i < ch && j < cw ? [10, 20, 30] : [128, 128, 128];
          for (let c = 0; c < 3; c++) if (out.image[(i * 32 + j) * 3 + c] !== fill[c]) wrongPixels++;
          if (!mask![i * 32 + j]) continue;
          count++;
          [minY, maxY, minX, maxX] = [
            Math.min(minY, i),
            Math.max(maxY, i),
            Math.min(minX, j),
            Math.max(maxX, j),
          ];
        }
      expect(wrongPixels).toBe(0);
      expect(Math.abs(minY - top)).toBeLessThanOrEqual(1);
      expect(Math.abs(maxY + 1 - bottom)).toBeLessThanOrEqual(1);
      expect(Math.abs(minX - left)).toBeLessThanOrEqual(1);
      expect(Math.abs(maxX + 1 - right)).toBeLessThanOrEqual(1);
      expect(count).toBe((maxY - minY + 1) * (maxX - minX + 1)); // a solid rectangle
    });
    expect(kept).toBeGreaterThan(50);
    expect(dropped).toBeGreaterThan(5);
  });
});

describe('determinism and resume', () => {
  test('same (seed, epoch, index) gives the same bytes; other keys give other plans', () => {
    const sample = handSample(20, 30, 9, [
      { objectId: 1, categoryId: 1, classIndex: 0, mask: rectMask(20, 30, 2, 18, 3, 27) },
    ]);
    const key = { seed: 4, epoch: 1, index: 6 };
    expect(augmentSample(sample, LSJ, key)).toEqual(augmentSample(sample, LSJ, key));
    const plans = (seed: number, epoch: number) =>
      Array.from({ length: 16 }, (_, index) =>
        JSON.stringify(planAugment(20, 30, LSJ, { seed, epoch, index })),
      );
    expect(plans(4, 2)).not.toEqual(plans(4, 1));
    expect(plans(5, 1)).not.toEqual(plans(4, 1));
  });

  test('a loader resumed from a recorded state delivers the same LSJ batches', async () => {
    const samples = Array.from({ length: 5 }, (_, k) =>
      handSample(12 + k, 18, k, [
        { objectId: k + 1, categoryId: 1, classIndex: 0, mask: rectMask(12 + k, 18, 2, 9, 3, 15) },
      ]),
    );
    const source: SampleSource = {
      size: samples.length,
      targets: 'masks',
      describe: (i) => samples[i].source,
      load: (i) => samples[i],
    };
    const open = (state?: { epoch: number; position: number }) =>
      new TrainLoader({ source, batchSize: 2, seed: 8, augment: LSJ, collate: IMAGENET_COLLATE, state });
    const full = open();
    const batches = [];
    for (let b = 0; b < 4; b++) batches.push(await full.next());
    full.close();
    const resumed = open(batches[0].stateAfter);
    for (let b = 1; b < 4; b++) {
      const again = await resumed.next();
      expect(again.items).toEqual(batches[b].items);
      expect(again.host.images).toEqual(batches[b].host.images);
      expect(again.host.targets).toEqual(batches[b].host.targets);
    }
    resumed.close();
    expect([batches[0].host.height, batches[0].host.width]).toEqual([32, 32]);
  });
});

describe('config wiring', () => {
  test("input.trainAugmentation 'lsj' (the COCO configs) becomes the LSJ augmentation", () => {
    const config = loadConfig('configs/mask2former/base-coco-instance.yaml', {
      read: (path) => readFileSync(path, 'utf8'),
    });
    expect(augmentFromInput(config.input)).toEqual({
      kind: 'lsj',
      imageSize: 1024,
      minScale: 0.1,
      maxScale: 2.0,
      flip: true,
    });
    expect(augmentFromInput({ ...config.input, randomFlip: 'none' })).toMatchObject({
      kind: 'lsj',
      flip: false,
    });
  });
});
