import { beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  dropPath,
  dropout,
  rand,
  randint,
  randn,
  randomBits,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { philox4x32, randomBitsReference } from '../../shaders/random/philox.js';
import {
  dropoutReference,
  normalReference,
  randintReference,
  uniformReference,
} from '../../shaders/random/random.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / v.length };
}

describe('Philox4x32-10 CPU reference', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    const hex = (w: readonly number[]) => w.map((v) => v.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });
});

describe(`random tensors (${platformName})`, () => {
  it('GPU words equal the CPU reference bit for bit (odd length, large seed, streams)', async () => {
    await tidyAsync(async () => {
      for (const [seed, stream] of [
        [0, 0],
        [12345, 3],
        [2 ** 40 + 7, 0xffffffff],
      ] as [number, number][]) {
        const bits = await randomBits([7, 143], { seed, stream }).data();
        expect(Array.from(bits)).toEqual(Array.from(randomBitsReference(1001, seed, stream)));
      }
    });
  });

  it('rand and randint equal their CPU twins exactly; randn is close to its float64 twin', async () => {
    await tidyAsync(async () => {
      const u = await rand([1003], { seed: 5, stream: 1 }).data();
      expect(Array.from(u)).toEqual(Array.from(uniformReference(1003, 5, 1)));
      const r = await randint([999], -7, 30, { seed: 6 }).data();
      expect(Array.from(r)).toEqual(Array.from(randintReference(999, -7, 30, 6)));
      const z = await randn([1002], { seed: 7, mean: 1, std: 2 }).data();
      // WGSL bounds sin/cos error by 2^-11 (absolute) and log by a few ulp: close, not equal.
      expectClose(z, normalReference(1002, 7, 0, 1, 2), { atol: 4e-3, rtol: 1e-4 });
    });
  });

  it('same seed gives the same values; another seed or stream gives others', async () => {
    await tidyAsync(async () => {
      const a = Array.from(await randn([256], { seed: 42 }).data());
      const b = Array.from(await randn([256], { seed: 42 }).data());
      const c = Array.from(await randn([256], { seed: 43 }).data());
      const d = Array.from(await randn([256], { seed: 42, stream: 1 }).data());
      expect(a).toEqual(b);
      expect(a.filter((v, i) => v === c[i]).length).toBeLessThan(3);
      expect(a.filter((v, i) => v === d[i]).length).toBeLessThan(3);
    });
  });

  it('has the right statistics', async () => {
    await tidyAsync(async () => {
      const n = 200_000;
      const u = moments(await rand([n], { seed: 1 }).data());
      expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.005);
      expect(Math.abs(u.variance - 1 / 12)).toBeLessThan(0.002);
      const ranged = await rand([n], { seed: 2, low: -3, high: 5 }).data();
      expect(ranged.every((v) => v >= -3 && v < 5)).toBe(true);
      expect(Math.abs(moments(ranged).mean - 1)).toBeLessThan(0.05);
      const z = moments(await randn([n], { seed: 3 }).data());
      expect(Math.abs(z.mean)).toBeLessThan(0.01);
      expect(Math.abs(z.variance - 1)).toBeLessThan(0.02);
      const k = await randint([n], 0, 10, { seed: 4 }).data();
      const counts = new Array(10).fill(0);
      for (const v of k) counts[v]++;
      for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(0.005);
    });
  });

  it('rejects bad seeds and ranges', () => {
    expect(() => rand([2], { seed: -1 })).toThrow(/seed/);
    expect(() => rand([2], { seed: 1.5 })).toThrow(/seed/);
    expect(() => rand([2], { seed: 1, stream: 2 ** 32 })).toThrow(/stream/);
    expect(() => randint([2], 3, 3, { seed: 1 })).toThrow(/range/);
  });
});

describe(`dropout and drop_path (${platformName})`, () => {
  it('dropout equals the CPU reference bit for bit, keeps about 1-p, and its gradient reuses the mask', async () => {
    await tidyAsync(async () => {
      const n = 40_001;
      const data = randomArray(n, rng(1));
      const x = tensor(data, [n]);
      x.requiresGrad = true;
      const p = 0.3;
      const out = dropout(x, p, { seed: 99, stream: 2 });
      const got = await out.data();
      const expected = dropoutReference(data, p, 99, 2);
      expect(Array.from(got)).toEqual(Array.from(expected));
      const kept = Array.from(got).filter((v) => v !== 0).length / n;
      expect(Math.abs(kept - (1 - p))).toBeLessThan(0.01);
      const cot = randomArray(n, rng(2));
      backward(out, tensor(cot, [n]));
      expect(Array.from(await x.grad!.data())).toEqual(Array.from(dropoutReference(cot, p, 99, 2)));
    });
  });

  it('dropout is the identity in eval mode or at p = 0, and zero at p = 1', async () => {
    await tidyAsync(async () => {
      const x = tensor([1, 2, 3], [3]);
      expect(dropout(x, 0.5, { seed: 1, training: false })).toBe(x);
      expect(dropout(x, 0, { seed: 1 })).toBe(x);
      expect(Array.from(await dropout(x, 1, { seed: 1 }).data())).toEqual([0, 0, 0]);
      expect(() => dropout(x, 1.5, { seed: 1 })).toThrow(/probability/);
    });
  });

  it('drop_path zeroes whole samples, scales the rest, and backpropagates the same mask', async () => {
    await tidyAsync(async () => {
      const [b, l, c] = [400, 3, 5];
      const data = randomArray(b * l * c, rng(3), 0.5, 1.5); // nonzero, so zeros mean dropped
      const x = tensor(data, [b, l, c]);
      x.requiresGrad = true;
      const p = 0.25;
      const out = dropPath(x, p, { seed: 7 });
      const got = await out.data();
      const keep = Array.from(dropoutReference(new Array(b).fill(1), p, 7)); // per-sample factor
      let dropped = 0;
      for (let s = 0; s < b; s++) {
        if (keep[s] === 0) dropped++;
        for (let j = 0; j < l * c; j++) {
          const i = s * l * c + j;
          expect(got[i]).toBe(Math.fround(Math.fround(data[i]!) * keep[s]!));
        }
      }
      expect(Math.abs(dropped / b - p)).toBeLessThan(0.07);
      const again = await dropPath(x, p, { seed: 7 }).data();
      expect(Array.from(again)).toEqual(Array.from(got));
      backward(out, tensor(new Array(b * l * c).fill(1), [b, l, c]));
      const g = await x.grad!.data();
      for (let s = 0; s < b; s++) expect(g[s * l * c]).toBe(keep[s]);
      expect(dropPath(x, p, { seed: 7, training: false })).toBe(x);
    });
  });
});
