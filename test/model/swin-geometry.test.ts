/**
 * The Swin index arithmetic (model/swin/window-index.ts) against brute-force derivations that
 * follow the official operations step by step on labelled 2-D arrays: F.pad, torch.roll,
 * window_partition / window_reverse, the slice-built shift mask and PatchMerging's slices.
 */
import { describe, expect, it } from 'vitest';
import {
  patchMergingIndex,
  relativePositionIndex,
  shiftWindowMask,
  windowPartitionIndex,
  windowReverseIndex,
} from '../../model/swin/window-index.js';

type Grid = number[][];

/** Labels 0..H·W−1 row-major; padding (F.pad right/bottom) is −1. */
function paddedLabels(H: number, W: number, Hp: number, Wp: number): Grid {
  return Array.from({ length: Hp }, (_, y) =>
    Array.from({ length: Wp }, (_, x) => (y < H && x < W ? y * W + x : -1)),
  );
}

/** torch.roll(g, (sy, sx), (0, 1)): out[i] = in[(i − shift) mod n]. */
function roll(g: Grid, sy: number, sx: number): Grid {
  const h = g.length;
  const w = g[0]!.length;
  const mod = (a: number, n: number) => ((a % n) + n) % n;
  return g.map((_, y) => g[0]!.map((_, x) => g[mod(y - sy, h)]![mod(x - sx, w)]!));
}

/** window_partition: windows in (row, column) order, tokens row-major inside. */
function partition(g: Grid, ws: number): number[] {
  const out: number[] = [];
  for (let wr = 0; wr < g.length / ws; wr++)
    for (let wc = 0; wc < g[0]!.length / ws; wc++)
      for (let r = 0; r < ws; r++) for (let c = 0; c < ws; c++) out.push(g[wr * ws + r]![wc * ws + c]!);
  return out;
}

/** window_reverse: the inverse of partition on an Hp×Wp grid. */
function unpartition(values: number[], ws: number, Hp: number, Wp: number): Grid {
  const g: Grid = Array.from({ length: Hp }, () => new Array<number>(Wp).fill(NaN));
  let k = 0;
  for (let wr = 0; wr < Hp / ws; wr++)
    for (let wc = 0; wc < Wp / ws; wc++)
      for (let r = 0; r < ws; r++) for (let c = 0; c < ws; c++) g[wr * ws + r]![wc * ws + c] = values[k++]!;
  return g;
}

const cases: [number, number, number, number][] = [
  // H, W, window, shift
  [7, 14, 7, 0],
  [10, 13, 7, 3],
  [3, 4, 7, 3], // smaller than the window: padded to 7×7 and still shifted
  [1, 2, 7, 3],
  [6, 9, 4, 2],
  [25, 25, 12, 6],
];

describe('Swin window geometry', () => {
  it.each(cases)(
    'partition index of %i×%i, window %i, shift %i = pad + roll(−s) + partition',
    (H, W, ws, s) => {
      const Hp = Math.ceil(H / ws) * ws;
      const Wp = Math.ceil(W / ws) * ws;
      const expected = partition(roll(paddedLabels(H, W, Hp, Wp), -s, -s), ws);
      expect(Array.from(windowPartitionIndex(H, W, ws, s))).toEqual(expected);
    },
  );

  it.each(cases)(
    'reverse index of %i×%i, window %i, shift %i = unpartition + roll(+s) + crop',
    (H, W, ws, s) => {
      const Hp = Math.ceil(H / ws) * ws;
      const Wp = Math.ceil(W / ws) * ws;
      const slots = Array.from({ length: Hp * Wp }, (_, i) => i);
      const merged = roll(unpartition(slots, ws, Hp, Wp), s, s);
      const expected = merged.slice(0, H).flatMap((row) => row.slice(0, W));
      const reverse = windowReverseIndex(H, W, ws, s);
      expect(Array.from(reverse)).toEqual(expected);
      // Round trip: every token comes back from the slot it was sent to.
      const forward = windowPartitionIndex(H, W, ws, s);
      for (let t = 0; t < H * W; t++) expect(forward[reverse[t]!]).toBe(t);
    },
  );

  it.each([
    [14, 14, 7, 3],
    [7, 7, 7, 3],
    [14, 21, 7, 3],
    [8, 12, 4, 2],
  ])('shift mask on a %i×%i grid (window %i, shift %i) from the official slices', (Hp, Wp, ws, s) => {
    // img_mask[h_slice, w_slice] = cnt over slices (0, −ws), (−ws, −s), (−s, None), h outer.
    const bounds = (n: number) => [
      [0, n - ws],
      [n - ws, n - s],
      [n - s, n],
    ];
    const ids: Grid = Array.from({ length: Hp }, () => new Array<number>(Wp).fill(-1));
    let cnt = 0;
    for (const [h0, h1] of bounds(Hp))
      for (const [w0, w1] of bounds(Wp)) {
        for (let y = h0!; y < h1!; y++) for (let x = w0!; x < w1!; x++) ids[y]![x] = cnt;
        cnt++;
      }
    const win = partition(ids, ws);
    const L = ws * ws;
    const mask = shiftWindowMask(Hp, Wp, ws, s);
    expect(mask.length).toBe((Hp / ws) * (Wp / ws) * L * L);
    let blocked = 0;
    for (let w = 0; w < (Hp / ws) * (Wp / ws); w++)
      for (let a = 0; a < L; a++)
        for (let b = 0; b < L; b++) {
          const v = mask[(w * L + a) * L + b]!;
          expect(v).toBe(win[w * L + a] === win[w * L + b] ? 0 : -100);
          if (v !== 0) blocked++;
        }
    // The last window row/column straddles regions, so something is always blocked.
    expect(blocked).toBeGreaterThan(0);
  });

  it('relative position index: the formula at hand-checked pairs', () => {
    const idx = relativePositionIndex(7);
    const L = 49;
    expect(idx.length).toBe(L * L);
    expect(idx[0]).toBe(6 * 13 + 6); // same token: the table's centre row
    // query (0,0), key (6,6): dy = dx = −6 → row 0.
    expect(idx[0 * L + 48]).toBe(0);
    // query (6,6), key (0,0): dy = dx = +6 → the last row.
    expect(idx[48 * L + 0]).toBe(168);
    // query (0,1) = t 1, key (1,0) = t 7: dy = −1, dx = +1 → (5)·13 + 7. The transpose would give 7·13 + 5.
    expect(idx[1 * L + 7]).toBe(5 * 13 + 7);
    expect(Math.max(...idx)).toBe(13 * 13 - 1);
  });

  it('PatchMerging index: x0, x1, x2, x3 = [0::2, 0::2], [1::2, 0::2], [0::2, 1::2], [1::2, 1::2] with odd padding', () => {
    for (const [H, W] of [
      [5, 7],
      [4, 6],
      [3, 4],
      [1, 1],
    ] as const) {
      const Hp = H + (H % 2);
      const Wp = W + (W % 2);
      const g = paddedLabels(H, W, Hp, Wp);
      const sliceGrid = (dy: number, dx: number) => {
        const out: number[] = [];
        for (let y = dy; y < Hp; y += 2) for (let x = dx; x < Wp; x += 2) out.push(g[y]![x]!);
        return out;
      };
      const parts = [sliceGrid(0, 0), sliceGrid(1, 0), sliceGrid(0, 1), sliceGrid(1, 1)];
      const expected = parts[0]!.flatMap((_, t) => parts.map((p) => p[t]!)); // torch.cat(..., −1)
      expect(Array.from(patchMergingIndex(H, W))).toEqual(expected);
    }
  });
});
