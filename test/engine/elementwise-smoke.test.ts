import { beforeAll, describe, expect, it } from 'vitest';
import { add, backward, div, exp, mean, mul, neg, sub, sum, tensor, tidyAsync, expand, permute } from '../../engine/index.js';
import { useEngine, platformName } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

describe(`smoke (${platformName})`, () => {
  it('basic', async () => {
    await tidyAsync(async () => {
      const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = tensor([10, 20, 30], [3]);
      expect(Array.from(await add(a, b).data())).toEqual([11, 22, 33, 14, 25, 36]);
      expect(Array.from(await sub(a, 1).data())).toEqual([0, 1, 2, 3, 4, 5]);
      expect(Array.from(await mul(2, a).data())).toEqual([2, 4, 6, 8, 10, 12]);
      expect(Array.from(await div(a, 2).data())).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
      expect(Array.from(await neg(permute(a, [1, 0])).data())).toEqual([-1, -4, -2, -5, -3, -6]);
      expect(Array.from(await exp(tensor([0], [1])).data())).toEqual([1]);
      expect(await sum(a).item()).toBe(21);
      expect(Array.from(await sum(a, 0).data())).toEqual([5, 7, 9]);
      expect(Array.from(await sum(a, 1, true).data())).toEqual([6, 15]);
      expect(await mean(a).item()).toBe(3.5);
      const big = tensor(Array.from({ length: 100000 }, (_, i) => i % 7), [100000]);
      expect(await sum(big).item()).toBe(Array.from({ length: 100000 }, (_, i) => i % 7).reduce((x, y) => x + y));
      const col = tensor(Array.from({ length: 64 * 2000 }, (_, i) => i % 3), [2000, 64]);
      const cs = await sum(col, 0).data();
      expect(cs[0]).toBe(Array.from({ length: 2000 }, (_, i) => (i * 64) % 3).reduce((x, y) => x + y));
      const x = tensor([1, 2, 3], [3]);
      x.requiresGrad = true;
      const y = sum(mul(x, x));
      backward(y);
      expect(Array.from(await x.grad!.data())).toEqual([2, 4, 6]);
      const w = tensor([1, 2], [2, 1]);
      w.requiresGrad = true;
      backward(sum(mul(expand(w, [2, 3]), a)));
      expect(Array.from(await w.grad!.data())).toEqual([6, 15]);
    });
  });
});
