import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, slice, tidyAsync } from '../../engine/index.js';
import { type TrackedVideo, runWindowInference, trackQueries } from '../../model/minvis/index.js';
import { useEngine } from '../util/engine.js';
import {
  type ShuffledVideo,
  fakeModel,
  indexFrames,
  permuteCpu,
  shuffledVideo,
  toOutputs,
} from './minvis-fixtures.js';

beforeAll(async () => {
  await useEngine();
});

const read = async (t: Tensor) => Array.from(await t.data());

/** Tracking must map every frame's rows back to frame 0's base queries: shuffle[t][perm[t][q]] = shuffle[0][q]. */
function expectUndone(v: ShuffledVideo, perm: number[]): void {
  for (let t = 0; t < v.frames; t++) {
    const recovered = Array.from({ length: v.queries }, (_, q) => v.shuffle[t]![perm[t * v.queries + q]!]);
    expect(recovered, `frame ${t}`).toEqual(v.shuffle[0]);
  }
}

async function expectPermutedOutputs(v: ShuffledVideo, tracked: TrackedVideo, perm: number[]): Promise<void> {
  // Gathers copy values exactly, so the tracked rows must equal the chosen input rows bit for bit.
  expect(await read(tracked.predLogits)).toEqual(Array.from(permuteCpu(v.logits, perm, v.frames, v.queries)));
  expect(await read(tracked.predMasks)).toEqual(Array.from(permuteCpu(v.masks, perm, v.frames, v.queries)));
  expect(await read(tracked.queryEmbeddings)).toEqual(
    Array.from(permuteCpu(v.embeddings, perm, v.frames, v.queries)),
  );
}

describe('trackQueries', () => {
  it('undoes a random permutation per frame and reorders logits, masks and embeddings with it', async () => {
    const v = shuffledVideo(1, { frames: 6, queries: 7 });
    await tidyAsync(async () => {
      const [tracked] = trackQueries([toOutputs(v)]);
      const perm = await read(tracked!.permutation);
      expect(perm.slice(0, v.queries)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expectUndone(v, perm);
      await expectPermutedOutputs(v, tracked!, perm);
      // `last` is frame T-1's normalised embeddings in track order.
      const last = await read(tracked!.last);
      const lastFrame = (await read(tracked!.queryEmbeddings)).slice(5 * 7 * 8);
      for (let q = 0; q < 7; q++) {
        const row = lastFrame.slice(q * 8, q * 8 + 8);
        const norm = Math.hypot(...row);
        row.forEach((x, k) => expect(last[q * 8 + k]!).toBeCloseTo(x / norm, 5));
      }
    });
  });

  it('tracks videos of different lengths in one batch, each as if alone', async () => {
    const videos = [
      shuffledVideo(2, { frames: 5, queries: 6 }),
      shuffledVideo(3, { frames: 2, queries: 6 }),
      shuffledVideo(4, { frames: 4, queries: 6 }),
    ];
    await tidyAsync(async () => {
      const batched = trackQueries(videos.map(toOutputs));
      for (let b = 0; b < videos.length; b++) {
        const perm = await read(batched[b]!.permutation);
        expect(batched[b]!.permutation.shape).toEqual([videos[b]!.frames, 6]);
        expectUndone(videos[b]!, perm);
        await expectPermutedOutputs(videos[b]!, batched[b]!, perm);
        const [alone] = trackQueries([toOutputs(videos[b]!)]);
        expect(await read(alone!.permutation)).toEqual(perm);
        expect(await read(alone!.last)).toEqual(await read(batched[b]!.last));
      }
    });
  });

  it('continues tracks from an earlier chunk through `previous`', async () => {
    const v = shuffledVideo(5, { frames: 6, queries: 5 });
    await tidyAsync(async () => {
      const all = toOutputs(v);
      const part = (s: number, e: number) => ({
        predLogits: slice(all.predLogits, 0, s, e),
        predMasks: slice(all.predMasks, 0, s, e),
        queryEmbeddings: slice(all.queryEmbeddings, 0, s, e),
      });
      const [whole] = trackQueries([all]);
      const [first] = trackQueries([part(0, 4)]);
      const [second] = trackQueries([part(4, 6)], [first!.last]);
      const joined = [...(await read(first!.permutation)), ...(await read(second!.permutation))];
      expect(joined).toEqual(await read(whole!.permutation));
      expectUndone(v, joined);
    });
  });

  it('refuses mismatched inputs', () => {
    const a = shuffledVideo(6, { frames: 2, queries: 4 });
    const b = shuffledVideo(7, { frames: 2, queries: 5 });
    expect(() => trackQueries([toOutputs(a), toOutputs(b)])).toThrow(/\[Q, D\]/);
  });
});

describe('runWindowInference', () => {
  it('windows of 3 frames on a 7-frame video give exactly what one window of 30 gives', async () => {
    const v = shuffledVideo(8, { frames: 7, queries: 6, maskSize: [3, 5] });
    await tidyAsync(async () => {
      const all = toOutputs(v);
      const frames = indexFrames(7);
      const smallCalls: number[] = [];
      const bigCalls: number[] = [];
      const small = await runWindowInference(fakeModel(all, smallCalls), frames, { windowSize: 3 });
      const big = await runWindowInference(fakeModel(all, bigCalls), frames, { windowSize: 30 });
      expect(smallCalls).toEqual([3, 3, 1]);
      expect(bigCalls).toEqual([7]);
      const perm = await read(small.permutation);
      expect(perm).toEqual(await read(big.permutation));
      expectUndone(v, perm);
      await expectPermutedOutputs(v, small, perm);
      await expectPermutedOutputs(v, big, perm);
      for (const t of [small, big]) for (const x of Object.values(t)) (x as Tensor).dispose();
    });
  });

  it('takes frames from a loader window by window', async () => {
    const v = shuffledVideo(9, { frames: 5, queries: 4 });
    await tidyAsync(async () => {
      const all = toOutputs(v);
      const loads: [number, number][] = [];
      const source = {
        numFrames: 5,
        load: (s: number, e: number) => {
          loads.push([s, e]);
          return slice(indexFrames(5), 0, s, e);
        },
      };
      const tracked = await runWindowInference(fakeModel(all, []), source, { windowSize: 2 });
      expect(loads).toEqual([
        [0, 2],
        [2, 4],
        [4, 5],
      ]);
      expectUndone(v, await read(tracked.permutation));
      for (const x of Object.values(tracked)) (x as Tensor).dispose();
    });
  });
});
