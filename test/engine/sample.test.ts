import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  backward,
  gridSample,
  interpolate,
  permute,
  pointSample,
  ones,
  setScatterMode,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { bilinearScale, interpolateBilinearReference } from '../../shaders/sample/interpolate.js';
import { gridSampleReference, gridToPixel } from '../../shaders/sample/grid-sample.js';
import golden from '../fixtures/golden/sample.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectBitIdenticalRuns } from '../util/repeat.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

type Size = { size: [number, number] } | { scaleFactor: number | [number, number] };

/** Output size and per-axis scale exactly as PyTorch derives them. */
function plan(inH: number, inW: number, how: Size, align: boolean) {
  if ('size' in how) {
    const [outH, outW] = how.size;
    return { outH, outW, sh: bilinearScale(inH, outH, align), sw: bilinearScale(inW, outW, align) };
  }
  const [fh, fw] = typeof how.scaleFactor === 'number' ? [how.scaleFactor, how.scaleFactor] : how.scaleFactor;
  const outH = Math.floor(inH * fh);
  const outW = Math.floor(inW * fw);
  return { outH, outW, sh: bilinearScale(inH, outH, align, fh), sw: bilinearScale(inW, outW, align, fw) };
}

function interpolateCase(shape: [number, number, number, number], how: Size, align: boolean, seed: number) {
  const [n, c, h, w] = shape;
  const p = plan(h, w, how, align);
  const random = rng(seed);
  return checkOp({
    inputs: [{ data: randomArray(n * c * h * w, random), shape }],
    op: (x) => interpolate(x, { ...how, alignCorners: align }),
    ref: ([x]) => interpolateBilinearReference(x!, n * c, h, w, p.outH, p.outW, p.sh, p.sw, align),
    seed,
  });
}

describe(`interpolate bilinear (${platformName})`, () => {
  it('matches the reference and its finite-difference gradient (up, down, odd, fractional)', async () => {
    await interpolateCase([1, 2, 3, 4], { scaleFactor: 2 }, false, 1);
    await interpolateCase([2, 1, 3, 3], { scaleFactor: 4 }, false, 2);
    await interpolateCase([1, 2, 5, 4], { size: [7, 3] }, false, 3);
    await interpolateCase([1, 1, 9, 11], { size: [4, 3] }, false, 4);
    await interpolateCase([1, 1, 5, 6], { scaleFactor: [1.7, 0.45] }, false, 5);
    await interpolateCase([1, 2, 4, 5], { size: [7, 9] }, true, 6);
    await interpolateCase([1, 1, 1, 3], { size: [3, 1] }, false, 7);
    await interpolateCase([1, 1, 2, 3], { scaleFactor: 8 }, false, 8);
    await interpolateCase([1, 1, 23, 17], { scaleFactor: 0.13 }, false, 9);
    await interpolateCase([1, 1, 3, 7], { size: [20, 2] }, true, 10);
  });

  it('handles an empty batch and rejects bad sizes', async () => {
    await tidyAsync(async () => {
      const out = interpolate(tensor([], [0, 2, 3, 3]), { scaleFactor: 2 });
      expect(out.shape).toEqual([0, 2, 6, 6]);
      expect(Array.from(await out.data())).toEqual([]);
      const g = gridSample(tensor([1, 2, 3, 4], [1, 1, 2, 2]), tensor([], [1, 0, 3, 2]));
      expect(g.shape).toEqual([1, 1, 0, 3]);
      expect(() => interpolate(tensor([1], [1, 1, 1, 1]), { scaleFactor: 0.4 })).toThrow(/output size/);
      expect(() => interpolate(tensor([1], [1, 1, 1, 1]), {})).toThrow(/exactly one/);
    });
  });

  it('uses 1/scale_factor, not in/out, when a fractional factor is given', async () => {
    // in 5, factor 1.7: out 8, and the scale 1/1.7 differs from 5/8.
    const x = Array.from({ length: 5 }, (_, i) => i * i);
    const byFactor = interpolateBilinearReference(x, 1, 1, 5, 1, 8, 1, 1 / 1.7, false);
    const bySize = interpolateBilinearReference(x, 1, 1, 5, 1, 8, 1, 5 / 8, false);
    expect(Math.abs(byFactor[7]! - bySize[7]!)).toBeGreaterThan(0.1);
    await tidyAsync(async () => {
      const t = tensor(x, [1, 1, 1, 5]);
      expectClose(await interpolate(t, { scaleFactor: [1, 1.7] }).data(), byFactor);
      expectClose(await interpolate(t, { size: [1, 8] }).data(), bySize);
    });
  });

  it('reads permuted (non-dense) input', async () => {
    await tidyAsync(async () => {
      const data = randomArray(2 * 3 * 4 * 5, rng(9));
      const nhwc = tensor(data, [2, 4, 5, 3]);
      const out = interpolate(permute(nhwc, [0, 3, 1, 2]), { size: [6, 7] });
      const nchw: number[] = [];
      for (let b = 0; b < 2; b++)
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < 4; y++)
            for (let x = 0; x < 5; x++) nchw.push(data[((b * 4 + y) * 5 + x) * 3 + c]!);
      const p = plan(4, 5, { size: [6, 7] }, false);
      expectClose(await out.data(), interpolateBilinearReference(nchw, 6, 4, 5, 6, 7, p.sh, p.sw, false));
    });
  });

  for (const name of [
    'interp_up2',
    'interp_up4',
    'interp_odd_size',
    'interp_down_size',
    'interp_frac_up',
    'interp_frac_down',
    'interp_align_corners',
  ]) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const p = c.params as { scale_factor?: number; size?: [number, number]; align_corners: boolean };
      await checkGolden(c, (x) =>
        interpolate(x, {
          ...(p.size ? { size: p.size } : { scaleFactor: p.scale_factor! }),
          alignCorners: p.align_corners,
        }),
      );
    });
  }
});

function gridCase(
  n: number,
  c: number,
  h: number,
  w: number,
  hg: number,
  wg: number,
  align: boolean,
  seed: number,
) {
  const random = rng(seed);
  const points = hg * wg;
  const mapX = gridToPixel(w, align, false);
  const mapY = gridToPixel(h, align, false);
  return checkOp({
    inputs: [
      { data: randomArray(n * c * h * w, random), shape: [n, c, h, w] },
      { data: randomArray(n * points * 2, random, -1.25, 1.25), shape: [n, hg, wg, 2] },
    ],
    op: (x, g) => gridSample(x, g, { alignCorners: align }),
    ref: ([x, g]) => gridSampleReference(x!, [n, c, h, w], g!, points, mapX, mapY),
    seed,
  });
}

describe(`grid_sample and point_sample (${platformName})`, () => {
  it('grid_sample matches the reference and finite differences in input and grid', async () => {
    await gridCase(2, 3, 4, 5, 3, 4, false, 11);
    await gridCase(1, 11, 3, 6, 2, 5, false, 12); // two channel blocks
    await gridCase(2, 2, 5, 3, 4, 2, true, 13);
  });

  it('point_sample equals the reference with [0,1] coordinates', async () => {
    const [n, c, h, w, p] = [2, 10, 5, 6, 7];
    const random = rng(21);
    await checkOp({
      inputs: [
        { data: randomArray(n * c * h * w, random), shape: [n, c, h, w] },
        { data: randomArray(n * p * 2, random, -0.1, 1.1), shape: [n, p, 2] },
      ],
      op: (x, g) => pointSample(x, g),
      ref: ([x, g]) => {
        const grid = Array.from(g!, (v) => 2 * v - 1);
        return gridSampleReference(
          x!,
          [n, c, h, w],
          grid,
          p,
          gridToPixel(w, false, false),
          gridToPixel(h, false, false),
        );
      },
      seed: 21,
    });
  });

  it('accumulates 3000 colliding scatter adds into one pixel exactly', async () => {
    await tidyAsync(async () => {
      const points = 3000;
      const x = tensor(new Array(4 * 4).fill(0), [1, 1, 4, 4]);
      x.requiresGrad = true;
      // Every point sits at pixel centre (1, 2): weight 1 on a single pixel.
      const coords = tensor(
        Array.from({ length: points * 2 }, (_, i) => (i % 2 === 0 ? 2.5 / 4 : 1.5 / 4)),
        [1, points, 2],
      );
      const out = pointSample(x, coords) as Tensor;
      backward(out, ones(out.shape));
      const g = await x.grad!.data();
      expect(g[1 * 4 + 2]).toBe(points);
      expect(Array.from(g).reduce((a, b) => a + b, 0)).toBe(points);
    });
  });

  describe('input gradient under heavy collisions', () => {
    // 3000 points per image on 3×3 maps of 2 channels: 750–950 corner adds per pixel, with random
    // values, so any change in the order of the adds between runs would change the rounding.
    const [n, c, h, w, p] = [2, 2, 3, 3, 3000];
    const random = rng(61);
    const coords = randomArray(n * p * 2, random, -0.05, 1.05).map((v) => Math.fround(v));
    const cot = randomArray(n * c * p, random).map((v) => Math.fround(v));
    const x = randomArray(n * c * h * w, random);

    async function inputGrad(): Promise<Float32Array[]> {
      return tidyAsync(async () => {
        const xt = tensor(x, [n, c, h, w]);
        xt.requiresGrad = true;
        backward(pointSample(xt, tensor(coords, [n, p, 2])), tensor(cot, [n, c, p]));
        return [Float32Array.from(await xt.grad!.data())];
      });
    }

    /** The float64 gradient by linearity: grad_x[j] = Σ_i cot_i · out_i(x = e_j), one basis vector at a time. */
    function referenceGrad(): number[] {
      const grid = coords.map((v) => 2 * v - 1);
      const [mx, my] = [gridToPixel(w, false, false), gridToPixel(h, false, false)];
      return Array.from({ length: n * c * h * w }, (_, j) => {
        const basis = new Array<number>(n * c * h * w).fill(0);
        basis[j] = 1;
        const out = gridSampleReference(basis, [n, c, h, w], grid, p, mx, my);
        return out.reduce((acc, v, i) => acc + v * cot[i]!, 0);
      });
    }

    it('is bit-identical on 5 runs and matches the float64 reference', async () => {
      const [g] = await expectBitIdenticalRuns(inputGrad);
      // 750–950 terms of size ≤ 1 per pixel; the float64 sums reach ~20.
      expectClose(g!, referenceGrad(), { atol: 2e-4, rtol: 1e-4 });
    });

    it('still matches the reference in the atomic scatter mode (the switch)', async () => {
      const previous = setScatterMode('atomic');
      try {
        const [g] = await inputGrad();
        expectClose(g!, referenceGrad(), { atol: 2e-4, rtol: 1e-4 });
      } finally {
        setScatterMode(previous);
      }
    });
  });

  for (const name of ['grid_sample_align_false', 'grid_sample_align_true']) {
    it(`matches PyTorch: ${name}`, async () => {
      const c = goldenCase(file, name);
      const align = (c.params as { alignCorners: boolean }).alignCorners;
      await checkGolden(c, (x, g) => gridSample(x, g, { alignCorners: align }));
    });
  }

  it('matches PyTorch: point_sample', async () => {
    await checkGolden(goldenCase(file, 'point_sample'), (x, g) => pointSample(x, g));
  });
});
