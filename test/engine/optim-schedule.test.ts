import { describe, expect, it } from 'vitest';
import { lrAt, lrFactorAt, warmupFactorAt } from '../../engine/optim/schedule.js';

// Expected values worked out by hand from detectron2's / Mask2Former's definitions.
describe('lr schedules', () => {
  it('step: gamma to the number of milestones passed', () => {
    const s = { kind: 'step', milestones: [4000], gamma: 0.1 } as const;
    expect(lrFactorAt(0, s)).toBe(1);
    expect(lrFactorAt(3999, s)).toBe(1);
    expect(lrFactorAt(4000, s)).toBeCloseTo(0.1, 15);
    expect(lrFactorAt(5999, s)).toBeCloseTo(0.1, 15);
    const two = { kind: 'step', milestones: [2, 5], gamma: 0.5 } as const;
    expect([0, 1, 2, 4, 5, 9].map((i) => lrFactorAt(i, two))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(lrAt(4500, 1e-4, s)).toBeCloseTo(1e-5, 18);
  });

  it('linear warmup ramps from factor to 1 and multiplies the schedule', () => {
    const s = { kind: 'step', milestones: [8], gamma: 0.1, warmup: { factor: 0.001, iters: 10 } } as const;
    expect(lrFactorAt(0, s)).toBeCloseTo(0.001, 15);
    expect(lrFactorAt(5, s)).toBeCloseTo(0.5005, 15); // 0.001·(1 − 0.5) + 0.5
    expect(lrFactorAt(8, s)).toBeCloseTo((0.001 * 0.2 + 0.8) * 0.1, 15);
    expect(lrFactorAt(10, s)).toBeCloseTo(0.1, 15);
    expect(warmupFactorAt(3, { factor: 0.25, iters: 4, method: 'constant' })).toBe(0.25);
    expect(warmupFactorAt(4, { factor: 0.25, iters: 4, method: 'constant' })).toBe(1);
  });

  it('poly: (1 − iter/max)^0.9, with an optional constant ending', () => {
    const s = { kind: 'poly', maxIters: 100 } as const;
    expect(lrFactorAt(0, s)).toBe(1);
    expect(lrFactorAt(50, s)).toBeCloseTo(0.535886731, 8); // 0.5^0.9
    expect(lrFactorAt(100, s)).toBe(0);
    expect(lrFactorAt(250, s)).toBe(0); // held past the end instead of NaN
    const ending = { kind: 'poly', maxIters: 100, power: 1, constantEnding: 0.1 } as const;
    expect(lrFactorAt(50, ending)).toBeCloseTo(0.5, 15);
    expect(lrFactorAt(95, ending)).toBeCloseTo(0.1, 15); // 0.05 < 0.1
    const warm = { kind: 'poly', maxIters: 100, power: 1, warmup: { factor: 0.1, iters: 10 } } as const;
    expect(lrFactorAt(5, warm)).toBeCloseTo(0.55 * 0.95, 15);
  });

  it('cosine: ½(1 + cos(π·iter/max))', () => {
    const s = { kind: 'cosine', maxIters: 100 } as const;
    expect(lrFactorAt(0, s)).toBe(1);
    expect(lrFactorAt(25, s)).toBeCloseTo(0.853553391, 8); // ½(1 + √2/2)
    expect(lrFactorAt(50, s)).toBeCloseTo(0.5, 15);
    expect(lrFactorAt(100, s)).toBeCloseTo(0, 15);
  });

  it('constant, and invalid schedules', () => {
    expect(lrFactorAt(123, { kind: 'constant' })).toBe(1);
    expect(lrFactorAt(1, { kind: 'constant', warmup: { factor: 0, iters: 4 } })).toBeCloseTo(0.25, 15);
    expect(() => lrFactorAt(0, { kind: 'step', milestones: [5, 5], gamma: 0.1 })).toThrow(/must increase/);
    expect(() => lrFactorAt(0, { kind: 'poly', maxIters: 0 })).toThrow(/maxIters/);
  });
});
