import { beforeAll, describe, expect, it } from 'vitest';
import {
  engine,
  hungarianBatched,
  linearSumAssignment,
  select,
  tensor,
  tidyAsync,
  wordsPerRow,
} from '../../engine/index.js';
import { PointvisDataError } from '../../pointvis/errors';
import {
  type MatcherVideo,
  type PointCosts,
  assignmentsByFrame,
  assignmentsByVideo,
  buildPerFramePointCosts,
  buildPointCosts,
  matchProposals,
  packMaskBits,
  presentFrames,
  pseudoLabelFrames,
  toPixelPoint,
  videoObjects,
  viscSelect,
} from '../../pointvis/matcher';
import { expectClose, rng, useEngine } from '../util/engine';
import {
  type TestVideo,
  bruteForceAssignment,
  bruteForceSolver,
  expectedCosts,
  meanSoft,
  randomTestVideo,
  totalCost,
} from './matcher-fixtures';

beforeAll(async () => {
  await useEngine();
});

async function rowsOf(t: PointCosts['cost'], costs: PointCosts, b: number): Promise<number[][]> {
  const data = await t.data();
  const { maxObjects: J, maxProposals: R } = costs;
  const p = costs.problems[b]!;
  return p.objects.map((_, j) => Array.from(data.subarray((b * J + j) * R, (b * J + j) * R + p.proposals)));
}

function presentAnywhere(v: TestVideo): number[] {
  return v.objects.map((_, j) => j).filter((j) => presentFrames(v.objects[j]!).length > 0);
}

describe('matcher: costs', () => {
  it('builds the definition costs from every proposal form, with scaled points on pixel borders', async () => {
    const random = rng(3);
    const videos = [
      randomTestVideo(random, [9, 4, 13, 37], 4),
      randomTestVideo(random, [6, 3, 8, 8], 1, 2.5), // points in a frame 2.5× the masks; no cross negatives
      randomTestVideo(random, [12, 2, 5, 40], 3),
      randomTestVideo(random, [4, 3, 6, 33], 3, 4),
      randomTestVideo(random, [5, 2, 3, 3], 0),
    ];
    const confidence = videos.map((v) => Array.from({ length: v.shape[0] }, () => random()));
    await tidyAsync(async () => {
      const inputs: MatcherVideo[] = videos.map((v, b) => {
        const pointFrame = { width: v.frameWidth, height: v.frameHeight };
        const [R, T, H, W] = v.shape;
        switch (b % 4) {
          case 0:
            return { proposals: { soft: v.soft, shape: v.shape }, objects: v.objects, pointFrame };
          case 1:
            return { proposals: { soft: tensor(v.soft, v.shape) }, objects: v.objects, pointFrame };
          case 2:
            return {
              proposals: { bits: packMaskBits(v.soft, v.shape), shape: v.shape },
              scores: confidence[b],
              objects: v.objects,
              pointFrame,
            };
          default:
            return {
              proposals: {
                bits: tensor(packMaskBits(v.soft, v.shape), [R, T, H, wordsPerRow(W)], 'u32'),
                shape: v.shape,
              },
              scores: confidence[b],
              objects: v.objects,
              pointFrame,
            };
        }
      });
      for (const options of [
        {},
        {
          normalize: 'points' as const,
          presence: 'positive-point' as const,
          weights: { ann: 1, cineg: 3, maskness: 0.5 },
        },
      ]) {
        const costs = buildPointCosts(inputs, options);
        expect(costs.problems.map((p) => p.video)).toEqual([0, 1, 2, 3, 4]);
        expect(Array.from(await costs.sizes.data())).toEqual(
          costs.problems.flatMap((p) => [p.objects.length, p.proposals]),
        );
        for (let b = 0; b < videos.length; b++) {
          const v = videos[b]!;
          const objects = v.objects
            .map((_, j) => j)
            .filter((j) => presentFrames(v.objects[j]!, options.presence).length > 0);
          expect(costs.problems[b]!.objects).toEqual(objects);
          const scores =
            b % 4 >= 2 ? confidence[b]! : Array.from({ length: v.shape[0] }, (_, r) => meanSoft(v, r));
          const expected = expectedCosts(v, { ...options, objects, scores });
          expectClose((await rowsOf(costs.ann, costs, b)).flat(), expected.ann.flat(), { atol: 1e-6 });
          expectClose((await rowsOf(costs.cineg, costs, b)).flat(), expected.cineg.flat(), { atol: 1e-6 });
          expectClose((await rowsOf(costs.cost, costs, b)).flat(), expected.cost.flat(), {
            atol: 2e-5,
            rtol: 1e-5,
          });
          if (objects.length === 1)
            expect((await rowsOf(costs.cineg, costs, b)).flat().every((c) => c === 0)).toBe(true);
        }
      }
      // Keeping unannotated objects gives them a maskness-only row.
      const all = buildPointCosts(inputs, { skipUnannotated: false });
      expect(all.problems.map((p) => p.objects.length)).toEqual(videos.map((v) => v.objects.length));
    });
  });

  it('reads per-video slices of one packed batch tensor in place', async () => {
    const random = rng(6);
    const shape: [number, number, number, number] = [5, 3, 7, 45];
    const videos = [
      randomTestVideo(random, shape, 3),
      randomTestVideo(random, shape, 2),
      randomTestVideo(random, shape, 3),
    ];
    const [R, T, H, W] = shape;
    const words = R * T * H * wordsPerRow(W);
    const batch = new Uint32Array(words * videos.length);
    videos.forEach((v, b) => batch.set(packMaskBits(v.soft, shape), b * words));
    const confidence = videos.map(() => Array.from({ length: R }, () => random()));
    await tidyAsync(async () => {
      const all = tensor(batch, [videos.length, R, T, H, wordsPerRow(W)], 'u32');
      const inputs: MatcherVideo[] = videos.map((v, b) => ({
        proposals: { bits: select(all, 0, b), shape },
        scores: confidence[b],
        objects: v.objects,
      }));
      await engine().sync();
      const before = engine().stream.dispatches;
      const costs = buildPointCosts(inputs);
      expect(engine().stream.dispatches - before).toBeLessThanOrEqual(2); // the two cost kernels, no copies
      for (let b = 0; b < videos.length; b++) {
        const objects = presentAnywhere(videos[b]!);
        const expected = expectedCosts(videos[b]!, { objects, scores: confidence[b]! });
        expectClose((await rowsOf(costs.cost, costs, b)).flat(), expected.cost.flat(), {
          atol: 2e-5,
          rtol: 1e-5,
        });
      }
    });
  });

  it('per-frame costs: one problem per frame with present objects, per-frame maskness', async () => {
    const random = rng(4);
    const videos = [randomTestVideo(random, [7, 4, 9, 21], 3), randomTestVideo(random, [5, 3, 6, 6], 2, 2)];
    await tidyAsync(async () => {
      const inputs = videos.map((v) => ({
        proposals: { soft: v.soft, shape: v.shape },
        objects: v.objects,
        pointFrame: { width: v.frameWidth, height: v.frameHeight },
      }));
      for (const perFrameScore of ['frame', 'video'] as const) {
        const costs = buildPerFramePointCosts(inputs, { perFrameScore });
        const expectedProblems = videos.flatMap((v, b) =>
          Array.from({ length: v.shape[1] }, (_, t) => ({
            video: b,
            frame: t,
            objects: v.objects.map((_, j) => j).filter((j) => presentFrames(v.objects[j]!).includes(t)),
          })).filter((p) => p.objects.length > 0),
        );
        expect(costs.problems.map(({ video, frame, objects }) => ({ video, frame, objects }))).toEqual(
          expectedProblems,
        );
        for (let b = 0; b < expectedProblems.length; b++) {
          const p = expectedProblems[b]!;
          const v = videos[p.video]!;
          const scores = Array.from({ length: v.shape[0] }, (_, r) =>
            meanSoft(v, r, perFrameScore === 'frame' ? p.frame : undefined),
          );
          const expected = expectedCosts(v, { objects: p.objects, frame: p.frame, scores });
          expectClose((await rowsOf(costs.cost, costs, b)).flat(), expected.cost.flat(), {
            atol: 2e-5,
            rtol: 1e-5,
          });
        }
      }
    });
  });

  it('refuses bad input with PointvisDataError', async () => {
    await tidyAsync(async () => {
      const soft = new Float32Array(2 * 1 * 2 * 2);
      const objects = [{ points: [[[2, 0.5, 1]] as [number, number, 0 | 1][]] }];
      expect(() =>
        buildPointCosts([{ proposals: { soft, shape: [2, 1, 2, 2] }, objects }], { source: 'p.json' }),
      ).toThrow(/p\.json, field videos\[0\]\.objects\[0\]\.points\[0\]\[0\]: x = 2 is outside/);
      expect(() => buildPointCosts([{ proposals: { soft, shape: [2, 1, 2, 3] }, objects: [] }])).toThrow(
        PointvisDataError,
      );
      expect(() =>
        buildPointCosts([{ proposals: { bits: new Uint32Array(4), shape: [2, 1, 2, 2] }, objects: [] }]),
      ).toThrow(/give `scores`/);
      expect(() =>
        buildPointCosts([
          { proposals: { bits: new Uint32Array(4), shape: [2, 1, 2, 2] }, scores: [1], objects: [] },
        ]),
      ).toThrow(/1 scores for 2 proposals/);
      expect(() =>
        buildPointCosts([{ proposals: { soft, shape: [2, 1, 2, 2] }, objects: [{ points: [null, null] }] }]),
      ).toThrow(/2 frames of points for 1 frames/);
    });
  });
});

describe('matcher: matching', () => {
  it('cross-instance negatives pick the proposal that covers one object only (hand-built)', async () => {
    // 1 frame of 1x6 pixels. Object A clicked at x=1, object B at x=4 (P1, positives only).
    // p0 covers everything (maskness 1), p1 covers x<3, p2 covers x>=3, p3 covers nothing.
    const W = 6;
    const soft = new Float32Array(4 * W);
    for (let x = 0; x < W; x++) {
      soft[x] = 1;
      soft[W + x] = x < 3 ? 1 : 0;
      soft[2 * W + x] = x >= 3 ? 1 : 0;
    }
    const video: MatcherVideo = {
      proposals: { soft, shape: [4, 1, 1, W] },
      objects: [{ points: [[[1.5, 0.5, 1]]] }, { points: [[[4.0, 0.2, 1]]] }],
    };
    await tidyAsync(async () => {
      const withCineg = await matchProposals(buildPointCosts([video]), bruteForceSolver);
      expect(withCineg[0]!.proposalOf).toEqual([1, 2]);
      // Without L_cineg the all-covering, most confident p0 wins for one of them.
      const without = await matchProposals(
        buildPointCosts([video], { weights: { cineg: 0 } }),
        bruteForceSolver,
      );
      expect(without[0]!.proposalOf).toContain(0);
      // Costs by hand: A vs p1: ann 0, cineg 0, maskness 0.5 → −1.
      expectClose(withCineg[0]!.costOf, [-1, -1]);
    });
  });

  it('finds the optimal assignment with the injected, CPU and GPU solvers', async () => {
    const random = rng(9);
    const videos = [
      randomTestVideo(random, [6, 3, 7, 11], 4),
      randomTestVideo(random, [3, 2, 5, 5], 4), // more objects than proposals
      randomTestVideo(random, [7, 2, 4, 40], 2),
      randomTestVideo(random, [2, 1, 3, 3], 0),
    ];
    await tidyAsync(async () => {
      const inputs = videos.map((v) => ({ proposals: { soft: v.soft, shape: v.shape }, objects: v.objects }));
      const costs = buildPointCosts(inputs);
      const solvers = [
        bruteForceSolver,
        { kind: 'cpu' as const, solve: (c: number[][][]) => linearSumAssignment(c) },
        { kind: 'gpu' as const, solve: hungarianBatched },
      ];
      for (const solver of solvers) {
        const matches = await matchProposals(costs, solver);
        for (let b = 0; b < videos.length; b++) {
          const v = videos[b]!;
          const objects = presentAnywhere(v);
          const scores = Array.from({ length: v.shape[0] }, (_, r) => meanSoft(v, r));
          const cost = expectedCosts(v, { objects, scores }).cost;
          const best = bruteForceAssignment(cost);
          const m = matches[b]!;
          expect(m.objects).toEqual(objects);
          expect(m.proposalOf.filter((r) => r >= 0).length).toBe(Math.min(objects.length, v.shape[0]));
          expect(Math.abs(totalCost(cost, m.proposalOf) - best.total)).toBeLessThan(1e-3);
          m.proposalOf.forEach((r, j) => {
            if (r >= 0) expect(m.costOf[j]).toBeCloseTo(cost[j]![r]!, 4);
          });
        }
        const byVideo = assignmentsByVideo(
          matches,
          videos.map((v) => v.objects.length),
        );
        byVideo.forEach((row, b) => {
          videos[b]!.objects.forEach((_, j) => {
            const k = matches[b]!.objects.indexOf(j);
            expect(row[j]).toBe(k >= 0 ? matches[b]!.proposalOf[k] : -1);
          });
        });
      }
    });
  });

  it('per-frame matching gives each object a proposal per present frame', async () => {
    const random = rng(12);
    const videos = [randomTestVideo(random, [5, 4, 6, 10], 3)];
    await tidyAsync(async () => {
      const costs = buildPerFramePointCosts(
        videos.map((v) => ({ proposals: { soft: v.soft, shape: v.shape }, objects: v.objects })),
      );
      const matches = await matchProposals(costs, bruteForceSolver);
      const byFrame = assignmentsByFrame(matches, [{ objects: 3, frames: 4 }]);
      const v = videos[0]!;
      v.objects.forEach((o, j) => {
        const present = presentFrames(o);
        for (let t = 0; t < 4; t++) {
          if (!present.includes(t)) expect(byFrame[0]![j]![t]).toBe(-1);
          else {
            const objects = v.objects
              .map((_, i) => i)
              .filter((i) => presentFrames(v.objects[i]!).includes(t));
            const scores = Array.from({ length: 5 }, (_, r) => meanSoft(v, r, t));
            const cost = expectedCosts(v, { objects, frame: t, scores }).cost;
            const m = matches.find((x) => x.frame === t)!;
            expect(Math.abs(totalCost(cost, m.proposalOf) - bruteForceAssignment(cost).total)).toBeLessThan(
              1e-4,
            );
            expect(byFrame[0]![j]![t]).toBe(m.proposalOf[objects.indexOf(j)]);
          }
        }
      });
    });
  });

  it('refuses a solver answer that is not an assignment', async () => {
    const soft = new Float32Array(3 * 4).fill(1);
    const video: MatcherVideo = {
      proposals: { soft, shape: [3, 1, 2, 2] },
      objects: [{ points: [[[0, 0, 1]]] }, { points: [[[1, 1, 1]]] }],
    };
    await tidyAsync(async () => {
      const costs = buildPointCosts([video]);
      const solve = (rows: number[]) => ({ kind: 'cpu' as const, solve: async () => [rows] });
      await expect(matchProposals(costs, solve([1, 1]))).rejects.toThrow(/twice/);
      await expect(matchProposals(costs, solve([0, 3]))).rejects.toThrow(/column 3 of 3/);
      await expect(matchProposals(costs, solve([0]))).rejects.toThrow(/needs 2 rows/);
      expect((await matchProposals(costs, solve([2, -1])))[0]!.proposalOf).toEqual([2, -1]);
    });
  });
});

describe('matcher: helpers', () => {
  it('present frames and the pseudo-label frames kept', () => {
    const objects = [
      {
        points: [
          null,
          [],
          [[1, 1, 1]],
          [[2, 2, 0]],
          [
            [1, 1, 0],
            [3, 3, 1],
          ],
        ] as ([number, number, 0 | 1][] | null)[],
      },
      { points: [] },
      { points: [[[0, 0, 0]]] as [number, number, 0 | 1][][] },
    ];
    expect(presentFrames(objects[0]!)).toEqual([2, 3, 4]);
    expect(presentFrames(objects[0]!, 'positive-point')).toEqual([2, 4]);
    expect(pseudoLabelFrames(objects)).toEqual([[2, 3, 4], [], [0]]);
    expect(pseudoLabelFrames(objects, 'positive-point')).toEqual([[2, 4], [], []]);
  });

  it('maps points to pixels: floor, borders, scaling, the far edge', () => {
    const where = { file: 'f', field: 'p' };
    const grid = { width: 4, height: 3, frameWidth: 4, frameHeight: 3 };
    expect(toPixelPoint([2, 1, 1], grid, where)).toEqual({ x: 2, y: 1, label: 1 });
    expect(toPixelPoint([1.999999, 0.999999, 0], grid, where)).toEqual({ x: 1, y: 0, label: 0 });
    const scaled = { width: 64, height: 36, frameWidth: 640, frameHeight: 360 };
    expect(toPixelPoint([10, 9.99, 1], scaled, where)).toEqual({ x: 1, y: 0, label: 1 });
    expect(toPixelPoint([639.9999999999999, 359.99999999999994, 1], scaled, where)).toEqual({
      x: 63,
      y: 35,
      label: 1,
    });
    expect(() => toPixelPoint([4, 0, 1], grid, where)).toThrow(PointvisDataError);
    expect(() => toPixelPoint([0, -0.1, 1], grid, where)).toThrow(/y = -0.1/);
  });

  it('VISC picks the k most confident proposals', () => {
    expect(viscSelect([0.2, 0.9, 0.5, 0.9, 0.1], 3)).toEqual([1, 3, 2]);
    expect(viscSelect([0.3], 5)).toEqual([0]);
    expect(viscSelect([], 2)).toEqual([]);
  });

  it('packs CPU masks in the matcher layout', () => {
    // 1 proposal, 1 frame, 2 rows of 35 pixels: row 0 sets x = 0, 31, 32; row 1 sets x = 34.
    const values = new Float32Array(70);
    values[0] = 1;
    values[31] = 0.51;
    values[32] = 0.9;
    values[33] = 0.5; // not above the threshold
    values[35 + 34] = 1;
    expect(Array.from(packMaskBits(values, [1, 1, 2, 35]))).toEqual([(1 | (1 << 31)) >>> 0, 1, 0, 1 << 2]);
  });

  it('collects a video’s objects from point annotations', () => {
    const annotations = [
      {
        id: 7,
        video_id: 1,
        category_id: 1,
        iscrowd: 0 as const,
        points: [[[1, 1, 1]] as [number, number, 0 | 1][], null],
      },
      { id: 8, video_id: 2, category_id: 1, iscrowd: 0 as const, points: [] },
      { id: 9, video_id: 1, category_id: 2, iscrowd: 1 as const },
      { id: 10, video_id: 1, category_id: 2, iscrowd: 0 as const },
    ];
    const { ids, objects } = videoObjects(annotations, 1);
    expect(ids).toEqual([7, 10]);
    expect(objects[1]!.points).toEqual([]);
  });
});
