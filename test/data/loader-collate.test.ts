import { describe, expect, test, beforeAll } from 'vitest';
import type { Engine } from '../../engine/index.js';
import {
  IMAGENET_COLLATE,
  assembleBatch,
  collate,
  disposeBatch,
  paddedSize,
  type ImageSample,
} from '../../pointvis/data';
import { useEngine } from '../util/engine.js';
import { handSample, rectMask } from './loader-fixtures';

// Batching: normalisation and padding against a direct float64 computation, per-image targets,
// point flattening, and the GPU tensors holding exactly the assembled values.

const MEAN = [123.675, 116.28, 103.53];
const STD = [58.395, 57.12, 57.375];

/** Two hand samples of different sizes: 5×7 with two objects, 33×3 with one. */
function samples(): ImageSample[] {
  const a = handSample(5, 7, 1, [
    { objectId: 11, categoryId: 40, classIndex: 3, mask: rectMask(5, 7, 0, 2, 1, 4) },
    { objectId: 12, categoryId: 2, classIndex: 0, mask: rectMask(5, 7, 3, 5, 0, 7) },
  ]);
  const b = handSample(33, 3, 2, [
    { objectId: 21, categoryId: 9, classIndex: 1, mask: rectMask(33, 3, 10, 33, 2, 3) },
  ]);
  return [a, b];
}

/** Value the batch must hold at (b, c, y, x), computed directly from the definition. */
function expectedPixel(s: ImageSample, c: number, y: number, x: number): number {
  if (y >= s.height || x >= s.width) return 0;
  return (s.image[(y * s.width + x) * 3 + c] - MEAN[c]) / STD[c];
}

describe('assembleBatch (CPU)', () => {
  test('pads to the next multiple of 32 (5×7, 33×3 → 64×32), normalises, zero padding', () => {
    const input = samples();
    const host = assembleBatch(input, IMAGENET_COLLATE);
    expect([host.size, host.height, host.width]).toEqual([2, 64, 32]);
    expect(host.imageSizes).toEqual([
      [5, 7],
      [33, 3],
    ]);
    expect(host.images.length).toBe(2 * 3 * 64 * 32);
    let worst = 0;
    input.forEach((s, b) => {
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 64; y++)
          for (let x = 0; x < 32; x++) {
            const got = host.images[((b * 3 + c) * 64 + y) * 32 + x];
            worst = Math.max(worst, Math.abs(got - expectedPixel(s, c, y, x)));
          }
    });
    expect(worst).toBeLessThan(1e-6);
  });

  test('targets: class labels, masks padded with 0, ids', () => {
    const input = samples();
    const host = assembleBatch(input, IMAGENET_COLLATE);
    expect([...host.targets[0].labels]).toEqual([3, 0]);
    expect([...host.targets[1].labels]).toEqual([1]);
    expect(host.targets[0].objectIds).toEqual([11, 12]);
    expect(host.targets[1].categoryIds).toEqual([9]);
    input.forEach((s, b) => {
      const masks = host.targets[b].masks;
      if (!masks) throw new Error('masks expected');
      expect(masks.length).toBe(s.instances.length * 64 * 32);
      s.instances.forEach((instance, k) => {
        let ones = 0;
        for (let y = 0; y < 64; y++)
          for (let x = 0; x < 32; x++) {
            const want = y < s.height && x < s.width ? instance.mask[y * s.width + x] : 0;
            expect(masks[(k * 64 + y) * 32 + x]).toBe(want);
            ones += masks[(k * 64 + y) * 32 + x];
          }
        expect(ones).toBe(instance.mask.reduce((n, v) => n + v, 0));
      });
      expect(host.targets[b].points).toBeNull();
    });
  });

  test('size divisibility 1, exact multiples, and a fixed size', () => {
    const input = samples();
    expect(paddedSize(input, { ...IMAGENET_COLLATE, sizeDivisibility: 1 })).toEqual([33, 7]);
    expect(paddedSize([handSample(32, 64)], IMAGENET_COLLATE)).toEqual([32, 64]);
    expect(paddedSize([handSample(33, 65)], IMAGENET_COLLATE)).toEqual([64, 96]);
    const fixed = assembleBatch(input, { ...IMAGENET_COLLATE, fixedSize: [40, 40] });
    expect([fixed.height, fixed.width]).toEqual([40, 40]);
    expect(() => assembleBatch(input, { ...IMAGENET_COLLATE, fixedSize: [32, 32] })).toThrow(/does not fit/);
  });

  test('point targets are flattened with their object index', () => {
    const s = handSample(4, 4, 0);
    s.points = [
      {
        objectId: 5,
        categoryId: 8,
        classIndex: 2,
        points: [
          [1.5, 0.5, 1],
          [3.25, 2, 0],
        ],
      },
      { objectId: 6, categoryId: 3, classIndex: 0, points: [[0.5, 3.5, 1]] },
    ];
    const host = assembleBatch([s], IMAGENET_COLLATE);
    const t = host.targets[0];
    expect(t.masks).toBeNull();
    expect([...t.labels]).toEqual([2, 0]);
    expect(t.objectIds).toEqual([5, 6]);
    expect([...(t.points?.xy ?? [])]).toEqual([1.5, 0.5, 3.25, 2, 0.5, 3.5]);
    expect([...(t.points?.labels ?? [])]).toEqual([1, 0, 1]);
    expect([...(t.points?.objects ?? [])]).toEqual([0, 0, 1]);
  });
});

describe('collate (GPU tensors)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await useEngine();
  });

  test('tensors have the documented shapes and dtypes and hold the assembled values', async () => {
    expect(engine).toBeDefined();
    const input = samples();
    input.push(handSample(9, 9, 3)); // an image without objects
    const host = assembleBatch(input, IMAGENET_COLLATE);
    const batch = collate(input, IMAGENET_COLLATE);
    expect(batch.images.shape).toEqual([3, 3, 64, 32]);
    expect(batch.images.dtype).toBe('f32');
    expect([...(await batch.images.data())]).toEqual([...host.images]);
    for (let b = 0; b < 3; b++) {
      const t = batch.targets[b];
      const n = input[b].instances.length;
      expect(t.labels.shape).toEqual([n]);
      expect(t.labels.dtype).toBe('i32');
      expect([...(await t.labels.data())]).toEqual([...host.targets[b].labels]);
      expect(t.masks?.shape).toEqual([n, 64, 32]);
      expect(t.masks?.dtype).toBe('f32');
      expect([...((await t.masks?.data()) ?? [])]).toEqual([...(host.targets[b].masks ?? [])]);
    }
    expect(batch.imageSizes).toEqual([
      [5, 7],
      [33, 3],
      [9, 9],
    ]);
    disposeBatch(batch);
    expect(batch.images.isDisposed).toBe(true);
  });

  test('point targets upload as f32 [P, 2] and i32 [P]', async () => {
    const s = handSample(4, 4, 0);
    s.points = [
      {
        objectId: 5,
        categoryId: 8,
        classIndex: 2,
        points: [
          [1.5, 0.5, 1],
          [3.25, 2, 0],
        ],
      },
    ];
    const batch = collate([s], IMAGENET_COLLATE);
    const p = batch.targets[0].points;
    if (!p) throw new Error('points expected');
    expect(p.xy.shape).toEqual([2, 2]);
    expect([...(await p.xy.data())]).toEqual([1.5, 0.5, 3.25, 2]);
    expect([...(await p.labels.data())]).toEqual([1, 0]);
    expect([...(await p.objects.data())]).toEqual([0, 0]);
    expect(batch.targets[0].masks).toBeNull();
    disposeBatch(batch);
  });
});
