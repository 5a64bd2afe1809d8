import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Engine,
  type LossReduction,
  type Tensor,
  add,
  backward,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  diceLoss,
  maskLosses,
  mul,
  sigmoidCeLoss,
  sigmoidFocalLoss,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { crossEntropyReference } from '../../shaders/loss/cross-entropy.js';
import {
  diceLossReference,
  maskRowLossesReference,
  sigmoidCeLossReference,
} from '../../shaders/loss/mask-rows.js';
import { bceWithLogitsElementReference, focalElementReference } from '../../shaders/loss/sigmoid-common.js';
import golden from '../fixtures/golden/loss.json';
import { checkOp } from '../util/gradcheck.js';
import { type GoldenFile, checkGolden } from '../util/golden.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

let eng: Engine;
beforeAll(async () => {
  eng = await useEngine();
});

const random = rng(11);
const binary = (n: number, p = 0.4) => Array.from({ length: n }, () => (random() < p ? 1 : 0));

function reduce(values: number[], reduction: LossReduction): number[] {
  if (reduction === 'none') return values;
  const s = values.reduce((a, b) => a + b, 0);
  return [reduction === 'sum' ? s : s / values.length];
}

describe(`crossEntropy (${platformName})`, () => {
  const shapes: { logits: number[]; weighted: boolean; reduction: LossReduction; ignore: number }[] = [
    { logits: [9, 5], weighted: true, reduction: 'mean', ignore: -100 },
    { logits: [6, 3], weighted: false, reduction: 'sum', ignore: 2 },
    { logits: [4, 7], weighted: true, reduction: 'none', ignore: -100 },
    { logits: [2, 4, 3, 5], weighted: true, reduction: 'mean', ignore: 0 },
    { logits: [300, 4], weighted: false, reduction: 'mean', ignore: -100 }, // several workgroups
    { logits: [3, 1], weighted: false, reduction: 'mean', ignore: -100 },
  ];
  for (const s of shapes) {
    it(`${s.logits} ${s.reduction}${s.weighted ? ' weighted' : ''} ignore ${s.ignore}`, async () => {
      const [n, c] = [s.logits[0]!, s.logits[1]!];
      const inner = s.logits.slice(2).reduce((a, b) => a * b, 1);
      const size = n * c * inner;
      const targetShape = [n, ...s.logits.slice(2)];
      const target = Array.from({ length: n * inner }, (_, i) =>
        i % 5 === 3 ? s.ignore : Math.floor(random() * c),
      );
      const weight = randomArray(c, random, 0.1, 2);
      const inputs = [
        { data: randomArray(size, random, -4, 4), shape: s.logits },
        { data: target, shape: targetShape, dtype: 'i32' as const, grad: false },
        { data: weight, shape: [c], grad: false },
      ];
      await checkOp({
        inputs,
        op: (x, y, w) =>
          crossEntropy(x!, y!, {
            weight: s.weighted ? w : undefined,
            reduction: s.reduction,
            ignoreIndex: s.ignore,
          }),
        ref: ([x, y, w]) =>
          crossEntropyReference(x!, y!, c, inner, {
            weight: s.weighted ? w : undefined,
            reduction: s.reduction,
            ignoreIndex: s.ignore,
          }),
      });
    });
  }

  it('empty batches, out-of-range targets and bad shapes', async () => {
    await tidyAsync(async () => {
      const empty = tensor([], [0, 3]);
      const none = tensor([], [0], 'i32');
      expect(await crossEntropy(empty, none, { reduction: 'sum' }).item()).toBe(0);
      expect(await crossEntropy(empty, none).item()).toBeNaN();
      const x = tensor([1, 2, 3, 4], [2, 2]);
      expect(await crossEntropy(x, tensor([0, 7], [2], 'i32')).item()).toBeNaN();
      expect(await crossEntropy(x, tensor([-100, -100], [2], 'i32')).item()).toBeNaN(); // mean over nothing
      expect(() => crossEntropy(x, tensor([0, 1, 1], [3], 'i32'))).toThrow(/targets must have shape \[2\]/);
      expect(() => crossEntropy(x, tensor([0, 1], [2]))).toThrow(/i32/);
      expect(() => crossEntropy(x, tensor([0, 1], [2], 'i32'), { weight: tensor([1], [1]) })).toThrow(
        /weight/,
      );
    });
  });
});

describe(`sigmoid losses (${platformName})`, () => {
  for (const [shape, reduction] of [
    [[3, 7], 'mean'],
    [[5], 'sum'],
    [[2, 3, 5], 'none'],
    [[2100], 'mean'], // two chunks in one row
  ] as const) {
    it(`binaryCrossEntropyWithLogits ${shape} ${reduction}`, async () => {
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      const x = randomArray(n, random, -6, 6);
      x[0] = 30; // stability: exp(30) would lose everything in a naive log(1 + e^x)
      await checkOp({
        inputs: [
          { data: x, shape },
          { data: randomArray(n, random, 0, 1), shape },
        ],
        op: (a, b) => binaryCrossEntropyWithLogits(a!, b!, { reduction }),
        ref: ([a, b]) =>
          reduce(
            Array.from(a!, (v, i) => bceWithLogitsElementReference(v, b![i]!)),
            reduction,
          ),
      });
    });
  }

  it('is exact for huge logits', async () => {
    await tidyAsync(async () => {
      const x = tensor([100, -100, 80, -80, 0], [5]);
      const t = tensor([1, 0, 0, 1, 0.5], [5]);
      expectClose(
        await binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).data(),
        [Math.log1p(Math.exp(-100)), Math.log1p(Math.exp(-100)), 80, 80, Math.LN2],
        { atol: 1e-7, rtol: 1e-6 },
      );
    });
  });

  for (const [shape, alpha, gamma, reduction] of [
    [[3, 8], 0.25, 2, 'mean'],
    [[2, 5], -1, 1.5, 'none'],
    [[7], 0.6, 1, 'sum'],
    [[2, 3], 0.25, 0, 'mean'],
  ] as const) {
    it(`sigmoidFocalLoss ${shape} α=${alpha} γ=${gamma} ${reduction}`, async () => {
      const n = shape.reduce((a: number, b: number) => a * b, 1);
      await checkOp({
        inputs: [
          { data: randomArray(n, random, -4, 4), shape },
          { data: randomArray(n, random, 0, 1), shape },
        ],
        op: (a, b) => sigmoidFocalLoss(a!, b!, { alpha, gamma, reduction }),
        ref: ([a, b]) =>
          reduce(
            Array.from(a!, (v, i) => focalElementReference(v, b![i]!, { alpha, gamma })),
            reduction,
          ),
      });
    });
  }
});

describe(`Mask2Former mask losses, fused (${platformName})`, () => {
  // P % 4 == 0 takes the vec4 kernels.
  for (const [rows, p] of [
    [4, 12],
    [3, 13],
  ] as const) {
    it(`sigmoidCeLoss, diceLoss, sigmoidFocalLoss and maskLosses on [${rows}, ${p}]`, async () => {
      const inputs = [
        { data: randomArray(rows * p, random, -5, 5), shape: [rows, p] },
        { data: binary(rows * p), shape: [rows, p] },
      ];
      const numMasks = 2.5;
      await checkOp({
        inputs,
        op: (a, b) => sigmoidCeLoss(a!, b!, numMasks),
        ref: ([a, b]) => [sigmoidCeLossReference(a!, b!, rows, numMasks)],
      });
      await checkOp({
        inputs,
        op: (a, b) => diceLoss(a!, b!, numMasks),
        ref: ([a, b]) => [diceLossReference(a!, b!, rows, numMasks)],
      });
      await checkOp({
        inputs,
        op: (a, b) => sigmoidFocalLoss(a!, b!, { numMasks }),
        ref: ([a, b]) => [
          maskRowLossesReference(a!, b!, rows, p, {
            mode: 'focal',
            rowScale: 1 / p,
            outScale: 1 / numMasks,
            focal: { alpha: 0.25, gamma: 2 },
          }).ce,
        ],
      });
      await checkOp({
        inputs,
        op: (a, b) => maskLosses(a!, b!, numMasks).both,
        ref: ([a, b]) => [
          sigmoidCeLossReference(a!, b!, rows, numMasks),
          diceLossReference(a!, b!, rows, numMasks),
        ],
      });
      // Soft targets with a gradient (the finite differences cover ∂/∂t too).
      const soft = [inputs[0]!, { data: randomArray(rows * p, random, 0, 1), shape: [rows, p] }];
      await checkOp({
        inputs: soft,
        op: (a, b) => maskLosses(a!, b!, numMasks).both,
        ref: ([a, b]) => [
          sigmoidCeLossReference(a!, b!, rows, numMasks),
          diceLossReference(a!, b!, rows, numMasks),
        ],
      });
      await checkOp({
        inputs: soft,
        op: (a, b) => sigmoidFocalLoss(a!, b!, { numMasks, alpha: 0.3, gamma: 1.5 }),
        ref: ([a, b]) => [
          maskRowLossesReference(a!, b!, rows, p, {
            mode: 'focal',
            rowScale: 1 / p,
            outScale: 1 / numMasks,
            focal: { alpha: 0.3, gamma: 1.5 },
          }).ce,
        ],
      });
    });
  }

  // Long rows split into several chunks; finite differences at a sample of coordinates.
  for (const [rows, p] of [
    [1, 4501],
    [3, 9000],
  ] as const) {
    it(`maskLosses on [${rows}, ${p}] (several chunks per row)`, async () => {
      const x = randomArray(rows * p, random, -5, 5);
      const t = binary(rows * p);
      const numMasks = 2;
      const ref = (xs: ArrayLike<number>) => [
        sigmoidCeLossReference(xs, t, rows, numMasks),
        diceLossReference(xs, t, rows, numMasks),
      ];
      const cot = [0.7, -1.3];
      await tidyAsync(async () => {
        const xt = tensor(x, [rows, p]);
        xt.requiresGrad = true;
        const { both } = maskLosses(xt, tensor(t, [rows, p]), numMasks);
        expectClose(await both.data(), ref(x), { rtol: 1e-4 });
        backward(both, tensor(cot, [2]));
        const grad = await xt.grad!.data();
        const probe = Float64Array.from(x);
        const objective = () => ref(probe).reduce((s, v, k) => s + v * cot[k]!, 0);
        for (let k = 0; k < 16; k++) {
          const i = Math.floor(random() * x.length);
          const eps = 1e-5;
          probe[i] = x[i]! + eps;
          const up = objective();
          probe[i] = x[i]! - eps;
          const down = objective();
          probe[i] = x[i]!;
          expectClose([grad[i]!], [(up - down) / (2 * eps)], { atol: 1e-8, rtol: 2e-3 });
        }
      });
    });
  }

  it('maskLosses is one fused pass forward and one backward', async () => {
    const rows = 5;
    const p = 64;
    await tidyAsync(async () => {
      const x = tensor(randomArray(rows * p, random), [rows, p]);
      x.requiresGrad = true;
      const t = tensor(binary(rows * p), [rows, p]);
      const seed = tensor([1, 1], [2]);
      const before = eng.stream.dispatches;
      const { both, ce, dice } = maskLosses(x, t, 3);
      expect(eng.stream.dispatches - before).toBe(2); // stats + finalize
      const mid = eng.stream.dispatches;
      backward(both, seed);
      expect(eng.stream.dispatches - mid).toBe(1);
      const [c, d] = [await ce.item(), await dice.item()];
      expectClose(
        [c, d],
        [
          sigmoidCeLossReference(await x.data(), await t.data(), rows, 3),
          diceLossReference(await x.data(), await t.data(), rows, 3),
        ],
      );
    });
  });

  it('the ce and dice views back-propagate into one gradient', async () => {
    const rows = 3;
    const p = 8;
    const xd = randomArray(rows * p, random, -3, 3);
    const td = binary(rows * p);
    const [gBoth, gSep] = await Promise.all(
      [true, false].map((fused) =>
        tidyAsync(async () => {
          const x = tensor(xd, [rows, p]);
          x.requiresGrad = true;
          const t = tensor(td, [rows, p]);
          if (fused) {
            // How the criterion uses it: a weighted sum of the two views.
            const { ce, dice } = maskLosses(x, t, 2);
            backward(add(mul(ce, 5), mul(dice, 2)));
          } else {
            backward(sigmoidCeLoss(x, t, 2), tensor([5], []));
            backward(diceLoss(x, t, 2), tensor([2], []));
          }
          return Array.from(await x.grad!.data());
        }),
      ),
    );
    expectClose(gBoth!, gSep!, { atol: 1e-7, rtol: 1e-5 });
  });

  it('no masks give zero losses; wrong shapes are errors', async () => {
    await tidyAsync(async () => {
      const x = tensor([], [0, 16]);
      const { ce, dice } = maskLosses(x, tensor([], [0, 16]), 1);
      expect(await ce.item()).toBe(0);
      expect(await dice.item()).toBe(0);
      expect(() => diceLoss(tensor([1, 2], [2]), tensor([1, 0], [2]), 1)).toThrow(/must be \[N, P\]/);
      expect(() => sigmoidCeLoss(tensor([1, 2], [1, 2]), tensor([1, 0, 1], [1, 3]), 1)).toThrow(
        /differ in shape/,
      );
    });
  });
});

describe(`loss golden values from PyTorch (${platformName})`, () => {
  const file = golden as unknown as GoldenFile;
  const ops: Record<string, (p: Record<string, unknown>) => (...xs: Tensor[]) => Tensor> = {
    ce: (p) => (x, y, w) =>
      crossEntropy(x!, y!, {
        weight: w,
        reduction: p.reduction as LossReduction,
        ignoreIndex: p.ignoreIndex as number,
      }),
    bce: (p) => (x, t) => binaryCrossEntropyWithLogits(x!, t!, { reduction: p.reduction as LossReduction }),
    m2f_sigmoid_ce: (p) => (x, t) => sigmoidCeLoss(x!, t!, p.numMasks as number),
    m2f_dice: (p) => (x, t) => diceLoss(x!, t!, p.numMasks as number),
    m2f_focal: (p) => (x, t) =>
      sigmoidFocalLoss(x!, t!, {
        numMasks: p.numMasks as number,
        alpha: p.alpha as number,
        gamma: p.gamma as number,
      }),
    focal: (p) => (x, t) =>
      sigmoidFocalLoss(x!, t!, {
        reduction: p.reduction as LossReduction,
        alpha: p.alpha as number,
        gamma: p.gamma as number,
      }),
  };
  for (const c of file.cases) {
    it(c.name, async () => {
      const family = Object.keys(ops)
        .sort((a, b) => b.length - a.length)
        .find((k) => c.name.startsWith(k));
      expect(family, c.name).toBeDefined();
      await checkGolden(c, ops[family!]!(c.params));
    });
  }
});
