import { describe, expect, test, afterAll, beforeAll } from 'vitest';
import {
  EpochSampler,
  IMAGENET_COLLATE,
  TrainLoader,
  YtvisMaskSource,
  type LoadedBatch,
  type SampleSource,
  type SamplerState,
  type TrainLoaderOptions,
} from '../../pointvis/data';
import { PointvisDataError } from '../../pointvis/errors';
import { generateTinySynth, handSample, removeTempDirs, type SynthFixture } from './loader-fixtures';

// The epoch sampler (coverage, reshuffling, exact resume) and the prefetching loader (same
// batches with or without prefetch, and after a resume from a recorded state).

let synth: SynthFixture;
beforeAll(() => {
  synth = generateTinySynth();
});
afterAll(removeTempDirs);

const draw = (sampler: EpochSampler, batches: number) =>
  Array.from({ length: batches }, () => sampler.nextBatch());

describe('EpochSampler', () => {
  test('each epoch visits every index once; batches run across epoch ends', () => {
    const sampler = new EpochSampler({ size: 7, batchSize: 3, seed: 1 });
    const items = draw(sampler, 7).flat(); // 21 items = 3 epochs
    for (let e = 0; e < 3; e++) {
      const epoch = items.slice(7 * e, 7 * e + 7);
      expect(epoch.every((it) => it.epoch === e)).toBe(true);
      expect(epoch.map((it) => it.index).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    expect(sampler.state).toEqual({ epoch: 3, position: 0 });
    // Batch 3 (items 6..8) straddles epochs 0 and 1.
    expect(items.slice(6, 9).map((it) => it.epoch)).toEqual([0, 1, 1]);
  });

  test('epochs are reshuffled, the order follows the seed, shuffle: false walks in order', () => {
    const orders = (seed: number) => {
      const s = new EpochSampler({ size: 50, batchSize: 50, seed });
      return draw(s, 3).map((b) => b.map((it) => it.index));
    };
    const [e0, e1, e2] = orders(4);
    expect(e0).not.toEqual(e1);
    expect(e1).not.toEqual(e2);
    expect(orders(4)).toEqual([e0, e1, e2]);
    expect(orders(5)[0]).not.toEqual(e0);
    const plain = new EpochSampler({ size: 4, batchSize: 3, seed: 4, shuffle: false });
    expect(
      draw(plain, 3)
        .flat()
        .map((it) => it.index),
    ).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
  });

  test('a sampler resumed from a recorded state continues the same stream', () => {
    const whole = draw(new EpochSampler({ size: 13, batchSize: 4, seed: 9 }), 12);
    const first = new EpochSampler({ size: 13, batchSize: 4, seed: 9 });
    const head = draw(first, 5);
    const state: SamplerState = JSON.parse(JSON.stringify(first.state)); // as stored in a checkpoint
    expect(state).toEqual({ epoch: 1, position: 7 }); // 20 items = 13 + 7
    const tail = draw(new EpochSampler({ size: 13, batchSize: 4, seed: 9, state }), 7);
    expect([...head, ...tail]).toEqual(whole);
  });

  test('bad arguments are refused', () => {
    expect(() => new EpochSampler({ size: 0, batchSize: 2, seed: 0 })).toThrow(/at least 1/);
    expect(() => new EpochSampler({ size: 3, batchSize: 0, seed: 0 })).toThrow(/batch size/);
    expect(
      () => new EpochSampler({ size: 3, batchSize: 1, seed: 0, state: { epoch: 0, position: 3 } }),
    ).toThrow(/does not fit/);
  });
});

/** What a batch contains, as comparable plain data. */
function fingerprint(batch: LoadedBatch) {
  return {
    items: batch.items,
    sizes: batch.host.imageSizes,
    images: Buffer.from(batch.host.images.buffer).toString('base64'),
    targets: batch.host.targets.map((t) => ({
      labels: [...t.labels],
      ids: t.objectIds,
      masks: t.masks ? Buffer.from(t.masks.buffer).toString('base64') : null,
    })),
  };
}

async function take(loader: TrainLoader, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(fingerprint(await loader.next()));
  return out;
}

describe('TrainLoader', () => {
  const options = (): TrainLoaderOptions => ({
    source: new YtvisMaskSource({ annotations: synth.videosJson, frameRoot: synth.videosRoot }),
    batchSize: 4,
    seed: 21,
    augment: { shortEdge: [48, 64, 80], maxSize: 100, flip: true, crop: { size: 56 } },
    collate: IMAGENET_COLLATE,
  });

  test('prefetching changes nothing; a resumed loader sees the batches an uninterrupted one does', async () => {
    const reference = await take(new TrainLoader({ ...options(), prefetch: 0 }), 6);
    const prefetching = new TrainLoader({ ...options(), prefetch: 2 });
    const head = await take(prefetching, 2);
    // Two more batches are being prepared, but the recorded state is that after batch 2.
    const state = prefetching.state;
    expect(state).toEqual({ epoch: 0, position: 8 });
    prefetching.close();
    const tail = await take(new TrainLoader({ ...options(), state }), 4);
    expect([...head, ...tail]).toEqual(reference);
    // And the batches really differ from one another (a constant stream would pass the above).
    expect(new Set(reference.map((b) => b.images)).size).toBe(6);
  });

  test('batches ahead are prepared while the consumer is busy', async () => {
    const loaded: number[] = [];
    const source: SampleSource = {
      size: 100,
      targets: 'masks',
      describe: (i) => ({ file: `f${i}`, id: i, annotations: 'a' }),
      load: (i) => {
        loaded.push(i);
        return handSample(4, 4, i);
      },
    };
    const loader = new TrainLoader({
      source,
      batchSize: 3,
      seed: 0,
      shuffle: false,
      augment: { shortEdge: [] },
      collate: IMAGENET_COLLATE,
      prefetch: 2,
    });
    await loader.next();
    expect(loaded.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the "GPU step"
    expect(loaded).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]); // two more batches, in order
    await loader.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(loaded.length).toBe(12);
    loader.close();
  });

  test('a sample that fails to load rejects that batch with the data error', async () => {
    const good = handSample(8, 8, 1);
    const source: SampleSource = {
      size: 6,
      targets: 'masks',
      describe: (i) => ({ file: `f${i}`, id: i, annotations: 'a' }),
      load: (i) => {
        if (i === 3) throw new PointvisDataError('broken frame', { file: 'f3' });
        return good;
      },
    };
    const loader = new TrainLoader({
      source,
      batchSize: 2,
      seed: 0,
      shuffle: false,
      augment: { shortEdge: [] },
      collate: IMAGENET_COLLATE,
    });
    await expect(loader.next()).resolves.toBeDefined(); // items 0, 1
    await expect(loader.next()).rejects.toThrow(/f3: broken frame/); // items 2, 3
    await expect(loader.next()).resolves.toBeDefined(); // items 4, 5
  });
});
