/**
 * The inverse index behind the deterministic scatter-adds: per destination, its sources in
 * increasing order, exactly as a stable counting sort on the CPU lists them — whatever order the
 * placement atomics ran in. Buckets small (insertion sort) and large (heapsort), out-of-range and
 * negative destinations, strided index views and empty inputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { inverseIndex, slice, tensor, tidyAsync } from '../../engine/index.js';
import { SORT_SMALL, inverseIndexReference } from '../../shaders/index/inverse-index.js';
import { platformName, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

async function expectInverse(dest: number[], destinations: number): Promise<void> {
  await tidyAsync(async () => {
    const { ends, keys } = inverseIndex(tensor(dest, [dest.length], 'i32'), destinations);
    const expected = inverseIndexReference(dest, destinations);
    expect(Array.from(await ends.data())).toEqual(expected.ends);
    expect(Array.from(await keys.data()).slice(0, expected.keys.length)).toEqual(expected.keys);
  });
}

describe(`inverse index (${platformName})`, () => {
  it('lists each destination’s sources in order (worked by hand)', async () => {
    // dest: 2 0 2 -1 0 5 2 → bucket 0: [1, 4], bucket 1: [], bucket 2: [0, 2, 6]; −1 and 5 ≥ 3 skipped.
    const expected = inverseIndexReference([2, 0, 2, -1, 0, 5, 2], 3);
    expect(expected).toEqual({ ends: [2, 2, 5], keys: [1, 4, 0, 2, 6] });
    await expectInverse([2, 0, 2, -1, 0, 5, 2], 3);
  });

  it('sorts small and large buckets, with out-of-range sources mixed in', async () => {
    const random = rng(5);
    // Two huge buckets (heapsort), a spread of small ones (insertion sort) and ~10% skipped.
    const dest = Array.from({ length: 20000 }, () => {
      const u = random();
      if (u < 0.05) return -1 - Math.floor(random() * 3);
      if (u < 0.1) return 300 + Math.floor(random() * 5);
      if (u < 0.6) return Math.floor(random() * 2);
      return 2 + Math.floor(random() * 298);
    });
    const { ends } = inverseIndexReference(dest, 300);
    expect(ends[0]!).toBeGreaterThan(100 * SORT_SMALL);
    expect(ends[299]! - ends[298]!).toBeLessThanOrEqual(SORT_SMALL);
    await expectInverse(dest, 300);
  });

  it('reads a strided index view and handles no sources or no destinations', async () => {
    await tidyAsync(async () => {
      const base = tensor([3, 9, 1, 9, 3, 9, 0, 9, 3, 9], [10], 'i32');
      const every2nd = slice(base, 0, 0, 10, 2); // 3 1 3 0 3
      const { ends, keys } = inverseIndex(every2nd, 4);
      expect(Array.from(await ends.data())).toEqual([1, 2, 2, 5]);
      expect(Array.from(await keys.data())).toEqual([3, 1, 0, 2, 4]);
      const none = inverseIndex(tensor([], [0], 'i32'), 3);
      expect(Array.from(await none.ends.data())).toEqual([0, 0, 0]);
      const nowhere = inverseIndex(tensor([0, 1], [2], 'i32'), 0);
      expect(nowhere.ends.size).toBe(0);
    });
  });

  it('rejects an index that is not 1-D integers', () => {
    expect(() => inverseIndex(tensor([0, 1], [1, 2], 'i32'), 2)).toThrow(/1-D/);
    expect(() => inverseIndex(tensor([0, 1], [2]), 2)).toThrow(/i32 or u32/);
  });
});
