import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, permute, tensor, tidy, tidyAsync } from '../../engine/index.js';
import {
  type VideoGeometry,
  defaultProposalSize,
  instanceFrameMask,
  minvisProposals,
  paddedGeometry,
  resizeMaskLogits,
  scoreVideo,
  topkPicks,
} from '../../model/minvis/index.js';
import { expectClose, randomArray, rng, useEngine } from '../util/engine.js';
import { postprocessCpu } from './minvis-fixtures.js';

beforeAll(async () => {
  await useEngine();
});

const read = async (t: Tensor) => Array.from(await t.data());

// T = 2 frames, Q = 3 queries, C = 2 classes + no-object. Frame means: q0 [2, 0, 0], q1 [0, 1, 0], q2 [0, 0, 3].
const LOGITS = [
  [
    [1, 0, 1],
    [0, 2, 0],
    [0, 0, 3],
  ],
  [
    [3, 0, -1],
    [0, 0, 0],
    [0, 0, 3],
  ],
].flat(2);

describe('video scoring', () => {
  it('averages logits over frames, softmaxes, drops no-object and takes the top k over queries × classes', async () => {
    const e = Math.E;
    const p00 = e ** 2 / (e ** 2 + 2);
    const p01 = 1 / (e ** 2 + 2);
    const p10 = 1 / (e + 2);
    const p11 = e / (e + 2);
    const p2 = 1 / (e ** 3 + 2); // both classes of q2: a tie, broken by the lower flat index
    const geometry: VideoGeometry = { inputSize: [4, 4], imageSize: [4, 4], outputSize: [4, 4] };
    const instances = await tidyAsync(() =>
      scoreVideo(
        {
          predLogits: tensor(LOGITS, [2, 3, 3]),
          predMasks: tensor(new Float32Array(2 * 3 * 16), [2, 3, 4, 4]),
        },
        geometry,
        { topk: 5 },
      ),
    );
    expectClose(instances.scores, [p00, p11, p10, p01, p2], { atol: 1e-6, rtol: 1e-5 });
    expect(Array.from(instances.labels)).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(instances.queries)).toEqual([0, 1, 1, 0, 2]);
    expect([instances.frames, instances.height, instances.width]).toEqual([2, 4, 4]);
  });

  it('topkPicks keeps every entry when k exceeds Q × C', () => {
    const picks = topkPicks([0.1, 0.4, 0.3, 0.2], 2, 10);
    expect(Array.from(picks.queries)).toEqual([0, 1, 1, 0]);
    expect(Array.from(picks.labels)).toEqual([1, 0, 1, 0]);
  });
});

describe('mask resizing and thresholding', () => {
  const random = rng(11);
  const maskSize: [number, number] = [4, 4];
  const geometry = paddedGeometry([9, 13], [14, 11], 16); // padded 16 × 16
  const frames = 2;
  const queries = 3;
  const values = Float32Array.from(randomArray(frames * queries * 16, random, -3, 3));
  const plane = (t: number, q: number) => values.subarray((t * queries + q) * 16, (t * queries + q + 1) * 16);

  it('follows sem_seg_postprocess: padded size, crop, original size (chunked or not)', async () => {
    for (const size of [geometry.outputSize, [20, 17] as const]) {
      const [whole, chunked] = await tidyAsync(async () => {
        const byQuery = permute(tensor(values, [frames, queries, 4, 4]), [1, 0, 2, 3]);
        return Promise.all([
          read(resizeMaskLogits(byQuery, geometry, size)),
          read(resizeMaskLogits(byQuery, geometry, size, { maxElements: 1 })),
        ]);
      });
      expect(chunked).toEqual(whole);
      const expected: number[] = [];
      for (let q = 0; q < queries; q++) {
        for (let t = 0; t < frames; t++)
          expected.push(...postprocessCpu(plane(t, q), maskSize, geometry, size));
      }
      expectClose(whole, expected, { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it("thresholds each pick's resized logits at > 0 into its instance masks", async () => {
    const logits = Float32Array.from(randomArray(frames * queries * 3, random, -1, 1));
    const instances = await tidyAsync(() =>
      scoreVideo(
        {
          predLogits: tensor(logits, [frames, queries, 3]),
          predMasks: tensor(values, [frames, queries, 4, 4]),
        },
        geometry,
        { topk: 4, maxElements: 200 },
      ),
    );
    expect(instances.queries.length).toBe(4);
    let on = 0;
    instances.queries.forEach((q, i) => {
      for (let t = 0; t < frames; t++) {
        const ref = postprocessCpu(plane(t, q), maskSize, geometry, geometry.outputSize);
        const got = instanceFrameMask(instances, i, t);
        ref.forEach((v, p) => {
          if (Math.abs(v) > 1e-4) expect(got[p], `instance ${i} frame ${t} pixel ${p}`).toBe(v > 0 ? 1 : 0);
          on += got[p]!;
        });
      }
    });
    expect(on).toBeGreaterThan(0);
    expect(on).toBeLessThan(4 * frames * 9 * 13);
  });

  it('builds proposals: sigmoid masks per track, maskness and confidence', async () => {
    const logits = Float32Array.from(randomArray(frames * queries * 3, random, -2, 2));
    const size = defaultProposalSize(maskSize, geometry);
    expect(size).toEqual([4, 3]); // round(14·4/16), round(11·4/16)
    const [soft, maskness, confidence, shape] = await tidyAsync(async () => {
      const p = minvisProposals(
        {
          predLogits: tensor(logits, [frames, queries, 3]),
          predMasks: tensor(values, [frames, queries, 4, 4]),
        },
        geometry,
      );
      return [await read(p.soft), await read(p.maskness), await read(p.confidence), p.soft.shape];
    });
    expect(shape).toEqual([queries, frames, 4, 3]);
    const expectedSoft: number[] = [];
    for (let q = 0; q < queries; q++) {
      for (let t = 0; t < frames; t++) {
        for (const v of postprocessCpu(plane(t, q), maskSize, geometry, size))
          expectedSoft.push(1 / (1 + Math.exp(-v)));
      }
    }
    expectClose(soft, expectedSoft, { atol: 1e-5, rtol: 1e-5 });
    const per = frames * 12;
    const expectedMaskness = Array.from(
      { length: queries },
      (_, q) => expectedSoft.slice(q * per, (q + 1) * per).reduce((a, b) => a + b, 0) / per,
    );
    expectClose(maskness, expectedMaskness, { atol: 1e-6, rtol: 1e-5 });
    const expectedConfidence = Array.from({ length: queries }, (_, q) => {
      const m = [0, 1, 2].map((c) => (logits[q * 3 + c]! + logits[(queries + q) * 3 + c]!) / 2);
      const z = m.reduce((s, v) => s + Math.exp(v), 0);
      return Math.max(Math.exp(m[0]!), Math.exp(m[1]!)) / z;
    });
    expectClose(confidence, expectedConfidence, { atol: 1e-6, rtol: 1e-5 });
  });

  it('accepts mask logits already at the padded size', async () => {
    const big = Float32Array.from(randomArray(16 * 16, random, -2, 2));
    const out = await tidyAsync(async () =>
      read(
        resizeMaskLogits(
          tidy(() => tensor(big, [1, 1, 16, 16])),
          geometry,
        ),
      ),
    );
    expectClose(out, Array.from(postprocessCpu(big, [16, 16], geometry, geometry.outputSize)), {
      atol: 1e-5,
      rtol: 1e-5,
    });
  });
});
