import { beforeAll, describe, expect, it } from 'vitest';
import { tensor, tidyAsync } from '../../engine/index.js';
import type { HostTarget } from '../../pointvis/data/index.js';
import { PointBaselineCriterion, pointTargetTables } from '../../pointvis/train/index.js';
import { randomArray, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

// Two images padded to 16×16 (mask logits 4×4); points at 4i + 2 land on mask-pixel centres, so
// point_sample returns the pixel value exactly and the expected losses need no interpolation.
const PADDED = { height: 16, width: 16 };
const B = 2;
const Q = 3;
const CLASSES = 2;
const M = 4;

function target(labels: number[], points: [number, number, number, number][]): HostTarget {
  return {
    labels: Int32Array.from(labels),
    masks: null,
    points: {
      xy: Float32Array.from(points.flatMap(([x, y]) => [x, y])),
      labels: Int32Array.from(points.map((p) => p[2])),
      objects: Int32Array.from(points.map((p) => p[3])),
    },
    objectIds: labels.map((_, i) => i),
    categoryIds: labels,
  };
}

// [x, y, label, object]
const TARGETS = [
  target(
    [1, 0],
    [
      [2, 2, 1, 0],
      [6, 10, 0, 0],
      [10, 6, 1, 1],
    ],
  ),
  target(
    [1],
    [
      [14, 14, 1, 0],
      [2, 14, 1, 0],
    ],
  ),
];

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const bce = (x: number, y: number) => softplus(x) - x * y;

/** Brute force in float64: every injective assignment of objects to queries, per image. */
function expected(logits: number[], masks: number[], cineg: boolean, noObjectWeight: number) {
  const maskAt = (b: number, q: number, x: number, y: number) =>
    masks[((b * Q + q) * M + (y - 2) / 4) * M + (x - 2) / 4]!;
  const prob = (b: number, q: number, c: number) => {
    const row = logits.slice((b * Q + q) * (CLASSES + 1), (b * Q + q + 1) * (CLASSES + 1));
    const mx = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
    return Math.exp(row[c]! - mx) / z;
  };
  let pointLoss = 0;
  let ceNumerator = 0;
  let ceDenominator = 0;
  const matches: number[][] = [];
  TARGETS.forEach((t, b) => {
    const n = t.labels.length;
    const pts = Array.from(t.points!.labels, (label, p) => ({
      x: t.points!.xy[2 * p]!,
      y: t.points!.xy[2 * p + 1]!,
      label,
      owner: t.points!.objects[p]!,
    }));
    const pairBce = (q: number, j: number) => {
      const used = pts.filter((p) => p.owner === j || (cineg && p.label === 1));
      return (
        used.reduce((s, p) => s + bce(maskAt(b, q, p.x, p.y), p.owner === j ? p.label : 0), 0) / used.length
      );
    };
    const cost = (q: number, j: number) => 2 * -prob(b, q, t.labels[j]!) + 5 * pairBce(q, j);
    let best: number[] = [];
    let bestCost = Infinity;
    const assign = (j: number, used: number[]) => {
      if (j === n) {
        const c = used.reduce((s, q, k) => s + cost(q, k), 0);
        if (c < bestCost) [bestCost, best] = [c, [...used]];
        return;
      }
      for (let q = 0; q < Q; q++) if (!used.includes(q)) assign(j + 1, [...used, q]);
    };
    assign(0, []);
    const queryTarget = Array.from({ length: Q }, (_, q) => best.indexOf(q));
    matches.push(queryTarget);
    best.forEach((q, j) => (pointLoss += pairBce(q, j)));
    for (let q = 0; q < Q; q++) {
      const cls = queryTarget[q]! >= 0 ? t.labels[queryTarget[q]!]! : CLASSES;
      const w = cls === CLASSES ? noObjectWeight : 1;
      ceNumerator += -w * Math.log(prob(b, q, cls));
      ceDenominator += w;
    }
  });
  return { loss_ce: ceNumerator / ceDenominator, loss_point: pointLoss / 3, matches };
}

describe('point baseline tables', () => {
  it('supervises each object at its own clicks, and with CINeg at the others’ positives', () => {
    const plain = pointTargetTables(TARGETS, PADDED, false);
    expect(plain.maxTargets).toBe(2);
    expect(plain.maxPoints).toBe(3);
    // Image 0: object 0 owns points 0 (positive) and 1 (negative); object 1 owns point 2.
    expect(Array.from(plain.weights.slice(0, 6))).toEqual([1, 1, 0, 0, 0, 1]);
    expect(Array.from(plain.positives.slice(0, 6))).toEqual([1, 0, 0, 0, 0, 1]);
    expect(Array.from(plain.inverseCounts.slice(0, 2))).toEqual([0.5, 1]);
    const cineg = pointTargetTables(TARGETS, PADDED, true);
    // Object 0 also sees object 1's positive (point 2) as a negative, and vice versa point 0.
    expect(Array.from(cineg.weights.slice(0, 6))).toEqual([1, 1, 1, 1, 0, 1]);
    expect(Array.from(cineg.positives.slice(0, 6))).toEqual([1, 0, 0, 0, 0, 1]);
    expect(Array.from(cineg.inverseCounts.slice(0, 2))).toEqual([Math.fround(1 / 3), 0.5]);
    expect(Array.from(cineg.coords.slice(0, 2))).toEqual([2 / 16, 2 / 16]);
    // Image 1 (one object, two points): the padding row of object 1 is empty.
    expect(Array.from(cineg.weights.slice(6, 12))).toEqual([1, 1, 0, 0, 0, 0]);
  });
});

describe('point baseline criterion (VISP, VISP+CINeg)', () => {
  for (const cineg of [false, true]) {
    it(`matches and scores like a brute-force float64 reference (${cineg ? 'CINeg' : 'VISP'})`, async () => {
      const random = rng(cineg ? 5 : 4);
      const logits = randomArray(B * Q * (CLASSES + 1), random, -2, 2);
      const masks = randomArray(B * Q * M * M, random, -3, 3);
      const criterion = new PointBaselineCriterion({
        numClasses: CLASSES,
        classWeight: 2,
        maskWeight: 5,
        noObjectWeight: 0.1,
        deepSupervision: false,
        classCost: 2,
        maskCost: 5,
      });
      const got = await tidyAsync(async () => {
        const predLogits = tensor(logits, [B, Q, CLASSES + 1]);
        const predMasks = tensor(masks, [B, Q, M, M]);
        const out = criterion.forward(
          { predLogits, predMasks, auxOutputs: [], queryEmbeddings: predLogits },
          pointTargetTables(TARGETS, PADDED, cineg),
        );
        return {
          ce: await out.terms.get('loss_ce')!.item(),
          point: await out.terms.get('loss_point')!.item(),
          matches: Array.from(await out.matches.data()),
          weights: Object.fromEntries(out.weights),
        };
      });
      criterion.dispose();
      const want = expected(logits, masks, cineg, 0.1);
      expect(got.matches).toEqual(want.matches.flat());
      expect(got.ce).toBeCloseTo(want.loss_ce, 5);
      expect(got.point).toBeCloseTo(want.loss_point, 5);
      expect(got.weights).toEqual({ loss_ce: 2, loss_point: 5 });
    });
  }
});
