import { beforeAll, describe, expect, it } from 'vitest';
import { tensor, tidyAsync } from '../../engine/index.js';
import { compactSelected, smallestMagnitudeMask } from '../../model/mask2former/criterion/index.js';
import { rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

/** Brute force: the k indices with the smallest |x| (f32), ties by position. */
function smallestK(row: Float32Array, k: number): Set<number> {
  const order = Array.from(row.keys()).sort((a, b) => Math.abs(row[a]!) - Math.abs(row[b]!) || a - b);
  return new Set(order.slice(0, k));
}

async function checkRows(rows: Float32Array[], k: number): Promise<void> {
  const m = rows[0]!.length;
  const flat = new Float32Array(rows.length * m);
  rows.forEach((r, i) => flat.set(r, i * m));
  const [mask, points] = await tidyAsync(async () => {
    const x = tensor(flat, [rows.length, m]);
    const selected = smallestMagnitudeMask(x, k);
    // Each point's coordinates are (row, column): the compacted list shows which were kept, in order.
    const coords = new Float32Array(rows.length * m * 2);
    for (let r = 0; r < rows.length; r++) for (let j = 0; j < m; j++) coords.set([r, j], (r * m + j) * 2);
    const picked = compactSelected(tensor(coords, [rows.length, m, 2]), selected, k);
    return [await selected.data(), await picked.data()] as const;
  });
  rows.forEach((row, r) => {
    const want = smallestK(row, k);
    const got = new Set<number>();
    for (let j = 0; j < m; j++) if (mask[r * m + j] === 1) got.add(j);
    expect(
      [...got].sort((a, b) => a - b),
      `row ${r}`,
    ).toEqual([...want].sort((a, b) => a - b));
    const listed = Array.from({ length: k }, (_, i) => points[(r * k + i) * 2 + 1]!);
    expect(listed, `row ${r} compacted`).toEqual([...want].sort((a, b) => a - b));
    expect(Array.from({ length: k }, (_, i) => points[(r * k + i) * 2]!)).toEqual(new Array(k).fill(r));
  });
}

describe('uncertain-point selection (smallest |logit| per row, exact)', () => {
  it('matches a brute-force sort on continuous values, many ties, ±0, infinities and tiny magnitudes', async () => {
    const random = rng(3);
    const m = 37;
    const rows: Float32Array[] = [
      Float32Array.from({ length: m }, () => (random() - 0.5) * 20),
      Float32Array.from({ length: m }, () => Math.round((random() - 0.5) * 6)), // ties
      Float32Array.from({ length: m }, () => 0), // all tied
      Float32Array.from({ length: m }, (_, j) => (j % 3 === 0 ? -0 : j % 3 === 1 ? 0 : 1e-40 * j)), // ±0, denormals
      Float32Array.from({ length: m }, (_, j) =>
        j % 5 === 0 ? Infinity : j % 5 === 1 ? -Infinity : (random() - 0.5) * 1e30,
      ),
    ];
    for (const k of [1, 10, 27, 36]) await checkRows(rows, k);
  });

  it('handles k = 0 and k = M', async () => {
    const random = rng(4);
    const rows = [
      Float32Array.from({ length: 9 }, () => random() - 0.5),
      Float32Array.from({ length: 9 }, () => 2),
    ];
    await checkRows(rows, 9);
    const none = await tidyAsync(async () =>
      smallestMagnitudeMask(tensor(new Float32Array(18), [2, 9]), 0).data(),
    );
    expect(Array.from(none)).toEqual(new Array(18).fill(0));
  });

  it('rejects k outside [0, M]', () => {
    expect(() => smallestMagnitudeMask(tensor(new Float32Array(6), [2, 3]), 4)).toThrow(/k 4 for rows of 3/);
  });
});
