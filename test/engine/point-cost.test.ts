import { beforeAll, describe, expect, it } from 'vitest';
import {
  PAPER_COST_WEIGHTS,
  type PointCostOptions,
  type PointCostProblem,
  packProposalMaskList,
  packProposalMasks,
  pointCostMatrices,
  reshape,
  select,
  slice,
  tensor,
  tidyAsync,
  wordsPerRow,
} from '../../engine/index.js';
import { packMasksReference } from '../../shaders/pointcost/pack.js';
import { coverageReference } from '../../shaders/pointcost/coverage.js';
import { objectCostsReference } from '../../shaders/pointcost/object-costs.js';
import { type DefinitionProblem, pointCostDefinitionReference } from '../../shaders/pointcost/reference.js';
import { buildPointCostTables } from '../../shaders/pointcost/tables.js';
import { expectClose, platformName, rng, useEngine } from '../util/engine.js';
import { type GoldenFile, checkGolden } from '../util/golden.js';
import golden from '../fixtures/golden/pointcost.json';
import { type RandomVideo, randomSoftMasks, randomVideo, softAt } from './point-cost-cases.js';

beforeAll(async () => {
  await useEngine();
});

interface Built {
  problems: PointCostProblem[];
  definition: DefinitionProblem[];
}

/** Tracked problems (one per video) addressing the packed list, and their definition twins. */
function trackedProblems(
  videos: RandomVideo[],
  blocks: { bitsOffset: number; masknessOffset: number }[],
  maskness: number[][],
): Built {
  const problems = videos.map((v, b): PointCostProblem => {
    const [R, T, H, W] = v.shape;
    return {
      maskOffset: blocks[b]!.bitsOffset,
      proposals: R,
      frames: T,
      height: H,
      width: W,
      proposalStride: T * H * wordsPerRow(W),
      scoreOffset: blocks[b]!.masknessOffset,
      scoreStride: 1,
      objects: v.objects,
    };
  });
  const definition = videos.map((v, b): DefinitionProblem => ({
    proposals: v.shape[0],
    frames: v.shape[1],
    mask: (r, t, y, x) => (softAt(v, r, t, y, x) > 0.5 ? 1 : 0),
    scores: maskness[b]!,
    objects: v.objects,
  }));
  return { problems, definition };
}

async function checkCosts(
  bits: Parameters<typeof pointCostMatrices>[0],
  scores: Parameters<typeof pointCostMatrices>[1],
  built: Built,
  options: PointCostOptions,
): Promise<void> {
  const out = pointCostMatrices(bits, scores, built.problems, options);
  const expected = pointCostDefinitionReference(built.definition, {
    weights: { ...PAPER_COST_WEIGHTS, ...options.weights },
    normalize: options.normalize ?? 'none',
    presence: options.presence ?? 'any-point',
    pad: options.pad ?? 0,
  });
  expect(out.cost.shape).toEqual([built.problems.length, expected.maxObjects, expected.maxProposals]);
  expectClose(await out.ann.data(), expected.ann, { atol: 1e-6, rtol: 1e-6 });
  expectClose(await out.cineg.data(), expected.cineg, { atol: 1e-6, rtol: 1e-6 });
  expectClose(await out.cost.data(), expected.cost, { atol: 2e-5, rtol: 1e-5 });
}

describe(`point-cost (${platformName})`, () => {
  it('packs soft masks into bits and measures maskness (odd widths, vec4 rows, threshold ties)', async () => {
    const random = rng(11);
    const shapes: [number, number, number, number][] = [
      [3, 2, 5, 37], // a row spans two words, scalar path
      [2, 3, 4, 64], // vec4 path, whole words
      [4, 1, 3, 12], // vec4 path, partial word
      [1, 2, 1, 1],
      [2, 1, 70, 33], // several workgroups per frame
      [2, 70, 2, 3], // more frames than maskness lanes
      [0, 2, 3, 4], // no proposals
    ];
    await tidyAsync(async () => {
      for (const shape of shapes) {
        const soft = randomSoftMasks(shape, random);
        const expected = packMasksReference(soft, shape);
        const packed = packProposalMasks(tensor(soft, shape));
        expect(packed.bits.shape).toEqual([shape[0], shape[1], shape[2], wordsPerRow(shape[3])]);
        expect(Array.from(await packed.bits.data())).toEqual(Array.from(expected.bits));
        expectClose(await packed.maskness.data(), expected.maskness, { atol: 1e-6, rtol: 1e-5 });
        expectClose(await packed.frameMaskness.data(), expected.frameMaskness, { atol: 1e-6, rtol: 1e-5 });
      }
      // Views read in place: a video sliced from a batch (vec4-aligned) and an odd offset.
      const batchShape: [number, number, number, number] = [2, 2, 5, 12];
      const batch = randomSoftMasks([6, 2, 5, 12], random);
      const one = packProposalMasks(select(reshape(tensor(batch, [6, 2, 5, 12]), [3, 2, 2, 5, 12]), 0, 1));
      const sliceRef = packMasksReference(batch.subarray(240, 480), batchShape);
      expect(Array.from(await one.bits.data())).toEqual(Array.from(sliceRef.bits));
      expectClose(await one.maskness.data(), sliceRef.maskness, { atol: 1e-6, rtol: 1e-5 });
      const oddShape: [number, number, number, number] = [2, 1, 3, 8];
      const odd = randomSoftMasks([1, 1, 7, 7], random).subarray(0, 49);
      const view = reshape(slice(tensor(odd, [49]), 0, 1), oddShape);
      expect(view.offset).toBe(1);
      const oddPacked = packProposalMasks(view);
      expect(Array.from(await oddPacked.bits.data())).toEqual(
        Array.from(packMasksReference(odd.subarray(1), oddShape).bits),
      );
      // A non-default threshold.
      const shape: [number, number, number, number] = [2, 2, 3, 9];
      const soft = randomSoftMasks(shape, random);
      const packed = packProposalMasks(tensor(soft, shape), 0.25);
      expect(Array.from(await packed.bits.data())).toEqual(
        Array.from(packMasksReference(soft, shape, 0.25).bits),
      );
    });
  });

  it('matches the definition on random batches of videos of different sizes', async () => {
    const random = rng(5);
    const limits = { proposals: 70, frames: 5, side: 40, objects: 5 };
    await tidyAsync(async () => {
      for (let trial = 0; trial < 3; trial++) {
        const videos = [
          randomVideo(random, limits),
          randomVideo(random, limits),
          randomVideo(random, limits, { objects: 1 }), // no cross-instance negatives
          randomVideo(random, limits, { objects: 0 }),
          randomVideo(random, limits, { width: 32 + trial, proposals: 65 }),
        ];
        const list = packProposalMaskList(videos.map((v) => tensor(v.soft, v.shape)));
        const refs = videos.map((v) => packMasksReference(v.soft, v.shape));
        expect(Array.from(await list.bits.data())).toEqual(refs.flatMap((r) => Array.from(r.bits)));
        const built = trackedProblems(
          videos,
          list.blocks,
          refs.map((r) => r.maskness),
        );
        await checkCosts(list.bits, list.maskness, built, {});
        await checkCosts(list.bits, list.maskness, built, {
          normalize: 'points',
          presence: 'positive-point',
          weights: { ann: 1.5, cineg: 0.25, maskness: 3 },
          pad: 1e6,
        });
      }
    });
  });

  it('per-frame problems: a single frame of each video, per-frame maskness as the score', async () => {
    const random = rng(8);
    const videos = [randomVideo(random, { proposals: 20, frames: 4, side: 30, objects: 4 }, { frames: 4 })];
    videos.push(randomVideo(random, { proposals: 9, frames: 3, side: 17, objects: 3 }, { frames: 3 }));
    await tidyAsync(async () => {
      const list = packProposalMaskList(videos.map((v) => tensor(v.soft, v.shape)));
      const problems: PointCostProblem[] = [];
      const definition: DefinitionProblem[] = [];
      videos.forEach((v, b) => {
        const [R, T, H, W] = v.shape;
        const ref = packMasksReference(v.soft, v.shape);
        for (let t = 0; t < T; t++) {
          const objects = v.objects.map((o) => ({ frames: [o.frames[t] ?? null] }));
          problems.push({
            maskOffset: list.blocks[b]!.bitsOffset + t * H * wordsPerRow(W),
            proposals: R,
            frames: 1,
            height: H,
            width: W,
            proposalStride: T * H * wordsPerRow(W),
            scoreOffset: list.blocks[b]!.frameOffset + t,
            scoreStride: T,
            objects,
          });
          definition.push({
            proposals: R,
            frames: 1,
            mask: (r, _t, y, x) => (softAt(v, r, t, y, x) > 0.5 ? 1 : 0),
            scores: Array.from({ length: R }, (_, r) => ref.frameMaskness[r * T + t]!),
            objects,
          });
        }
      });
      await checkCosts(list.bits, list.frameMaskness, { problems, definition }, {});
    });
  });

  it('hand-derived costs: border points, cross-instance negatives, absent frames', async () => {
    // One video, 2 frames of 2x3 pixels, 3 proposals; masks written out by hand.
    // proposal 0: everything; proposal 1: column 0 only; proposal 2: nothing on frame 0, all of frame 1.
    const R = 3,
      T = 2,
      H = 2,
      W = 3;
    const soft = new Float32Array(R * T * H * W);
    const set = (r: number, t: number, y: number, x: number, v: number) =>
      (soft[((r * T + t) * H + y) * W + x] = v);
    for (let t = 0; t < T; t++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          set(0, t, y, x, 1);
          set(1, t, y, x, x === 0 ? 0.9 : 0.1);
          set(2, t, y, x, t === 1 ? 0.75 : 0);
        }
    // Object A: frame 0 positive at pixel (0,0), negative at (1,2); frame 1 not annotated.
    // Object B: frame 0 positive at (0,2); frame 1 positive at (1,0).
    // Object C: frame 1 only, annotated but absent ([]).
    const objects = [
      {
        frames: [
          [
            { x: 0, y: 0, label: 1 as const },
            { x: 2, y: 1, label: 0 as const },
          ],
          null,
        ],
      },
      { frames: [[{ x: 2, y: 0, label: 1 as const }], [{ x: 0, y: 1, label: 1 as const }]] },
      { frames: [null, []] },
    ];
    await tidyAsync(async () => {
      const packed = packProposalMasks(tensor(soft, [R, T, H, W]));
      const problem: PointCostProblem = {
        maskOffset: 0,
        proposals: R,
        frames: T,
        height: H,
        width: W,
        proposalStride: T * H * wordsPerRow(W),
        scoreOffset: 0,
        scoreStride: 1,
        objects,
      };
      const out = pointCostMatrices(packed.bits, packed.maskness, [problem], { pad: -7 });
      // L_ann: A vs p0: negative at (1,2) is covered → 1; vs p1: pos (0,0) in, neg (1,2) out → 0;
      //        vs p2: pos missed (frame 0 empty) → 1.  B: p0 → 0; p1: (0,2) missed, (1,0) hit → 1;
      //        p2: (0,2) missed on frame 0, (1,0) hit on frame 1 → 1.  C: no points → 0.
      expect(Array.from(await out.ann.data())).toEqual([1, 0, 1, 0, 1, 1, 0, 0, 0]);
      // L_cineg: A (present on frame 0 only) vs B's positive (0,2) there: p0 covers → 1, p1 no, p2 no.
      //          B: frame 0 has A's positive (0,0): p0 1, p1 1, p2 0; frame 1 has no other positives.
      //          C: present nowhere → 0.
      expect(Array.from(await out.cineg.data())).toEqual([1, 0, 0, 1, 1, 0, 0, 0, 0]);
      // Maskness: p0 = 1, p1 = (0.9*2 + 0.1*4)/6 per frame, p2 = (0 + 0.75)/2.
      const c = [1, (0.9 * 2 + 0.1 * 4) / 6, 0.375];
      const cost = await out.cost.data();
      const ann = [1, 0, 1, 0, 1, 1, 0, 0, 0];
      const cineg = [1, 0, 0, 1, 1, 0, 0, 0, 0];
      expectClose(
        cost,
        ann.map((a, i) => 5 * a + 5 * cineg[i]! - 2 * c[i % 3]!),
        { atol: 1e-5 },
      );
      // With 'positive-point' presence, C still has no frames; A's frame 0 has a positive: same.
      // Normalised: A has 2 points and 1 cross negative; B 2 points and 1 cross negative.
      const norm = pointCostMatrices(packed.bits, packed.maskness, [problem], { normalize: 'points' });
      expect(Array.from(await norm.ann.data())).toEqual([0.5, 0, 0.5, 0, 0.5, 0.5, 0, 0, 0]);
      expect(Array.from(await norm.cineg.data())).toEqual([1, 0, 0, 1, 1, 0, 0, 0, 0]);
    });
  });

  it('kernel references on the tables agree with the definition', () => {
    const random = rng(21);
    const limits = { proposals: 12, frames: 4, side: 20, objects: 4 };
    const videos = [
      randomVideo(random, limits),
      randomVideo(random, limits, { objects: 1 }),
      randomVideo(random, limits),
    ];
    const refs = videos.map((v) => packMasksReference(v.soft, v.shape));
    let offset = 0;
    let scoreOffset = 0;
    const blocks = videos.map((v) => {
      const b = { bitsOffset: offset, masknessOffset: scoreOffset };
      offset += refs[videos.indexOf(v)]!.bits.length;
      scoreOffset += v.shape[0];
      return b;
    });
    const built = trackedProblems(
      videos,
      blocks,
      refs.map((r) => r.maskness),
    );
    const bits = refs.flatMap((r) => Array.from(r.bits));
    const scores = refs.flatMap((r) => r.maskness);
    for (const normalize of ['none', 'points'] as const) {
      for (const presence of ['any-point', 'positive-point'] as const) {
        const tables = buildPointCostTables(built.problems, { normalize, presence });
        const planes = objectCostsReference(
          tables,
          bits,
          coverageReference(tables, bits),
          scores,
          PAPER_COST_WEIGHTS,
          0,
        );
        const expected = pointCostDefinitionReference(built.definition, {
          weights: PAPER_COST_WEIGHTS,
          normalize,
          presence,
          pad: 0,
        });
        expectClose(planes.ann, expected.ann, { atol: 1e-6 });
        expectClose(planes.cineg, expected.cineg, { atol: 1e-6 });
        expectClose(planes.cost, expected.cost, { atol: 1e-5 });
      }
    }
  });

  it('empty batches and problems without objects or proposals', async () => {
    await tidyAsync(async () => {
      const bits = tensor([0], [1], 'u32');
      const scores = tensor([0.5], [1]);
      expect(pointCostMatrices(bits, scores, []).cost.shape).toEqual([0, 0, 0]);
      const none: PointCostProblem = {
        maskOffset: 0,
        proposals: 1,
        frames: 1,
        height: 1,
        width: 1,
        proposalStride: 1,
        scoreOffset: 0,
        scoreStride: 1,
        objects: [],
      };
      expect(pointCostMatrices(bits, scores, [none]).cost.shape).toEqual([1, 0, 1]);
      const noProposals = { ...none, proposals: 0, objects: [{ frames: [null] }] };
      const out = pointCostMatrices(bits, scores, [noProposals, { ...none, objects: [{ frames: [[]] }] }], {
        pad: 9,
      });
      expect(out.cost.shape).toEqual([2, 1, 1]);
      expectClose(await out.cost.data(), [9, -2 * 0.5]);
    });
  });

  it('refuses points outside the masks and masks outside the buffer', async () => {
    await tidyAsync(async () => {
      const bits = tensor([0, 0], [2], 'u32');
      const scores = tensor([0.5, 0.5], [2]);
      const base: PointCostProblem = {
        maskOffset: 0,
        proposals: 2,
        frames: 1,
        height: 1,
        width: 3,
        proposalStride: 1,
        scoreOffset: 0,
        scoreStride: 1,
        objects: [{ frames: [[{ x: 3, y: 0, label: 1 }]] }],
      };
      expect(() => pointCostMatrices(bits, scores, [base])).toThrow(/outside/);
      expect(() =>
        pointCostMatrices(bits, scores, [{ ...base, objects: [], maskOffset: 1, proposals: 1 }]),
      ).not.toThrow();
      expect(() => pointCostMatrices(bits, scores, [{ ...base, objects: [], maskOffset: 2 }])).toThrow(
        /past/,
      );
      expect(() => pointCostMatrices(bits, scores, [{ ...base, objects: [], scoreOffset: 1 }])).toThrow(
        /score/,
      );
    });
  });

  it('matches PyTorch golden values', async () => {
    const file = golden as GoldenFile;
    for (const c of file.cases) {
      const [R, T, H, W] = c.inputs[0]!.shape as [number, number, number, number];
      const params = c.params as {
        objects: number;
        weights: number[];
        normalize: 'none' | 'points';
        presence: 'any-point' | 'positive-point';
      };
      const rows = c.inputs[1]!.data;
      const objects = Array.from({ length: params.objects }, () => ({
        frames: Array.from({ length: T }, () => null as { x: number; y: number; label: 0 | 1 }[] | null),
      }));
      for (let p = 0; p < rows.length; p += 5) {
        const [j, t, x, y, label] = rows.slice(p, p + 5) as [number, number, number, number, number];
        (objects[j]!.frames[t] ??= []).push({ x, y, label: label === 1 ? 1 : 0 });
      }
      const problem: PointCostProblem = {
        maskOffset: 0,
        proposals: R,
        frames: T,
        height: H,
        width: W,
        proposalStride: T * H * wordsPerRow(W),
        scoreOffset: 0,
        scoreStride: 1,
        objects,
      };
      const [ann, cineg, maskness] = params.weights as [number, number, number];
      await checkGolden(
        c,
        (soft) => {
          const packed = packProposalMasks(soft!);
          return pointCostMatrices(packed.bits, packed.maskness, [problem], {
            weights: { ann, cineg, maskness },
            normalize: params.normalize,
            presence: params.presence,
          }).cost;
        },
        { atol: 2e-5, rtol: 1e-5 },
      );
    }
  });
});
