import { beforeAll, describe, expect, it } from 'vitest';
import { backward, logSoftmax, permute, softmax, sum, tensor, tidyAsync, mul } from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { stridedCopyReference } from '../../shaders/core/copy.js';
import { softmaxReference } from '../../shaders/reduce/softmax.js';
import golden from '../fixtures/golden/reduce.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

describe(`softmax and logSoftmax (${platformName})`, () => {
  const random = rng(23);

  const cases: { shape: number[]; axis: number }[] = [
    { shape: [4, 7], axis: -1 },
    { shape: [4, 7], axis: 0 },
    { shape: [2, 3, 5], axis: 1 },
    { shape: [9], axis: 0 },
    { shape: [3, 1000], axis: 1 }, // 256 threads per row
    { shape: [300, 3], axis: 1 }, // one thread per row
  ];
  // Both kernel variants on every adapter (GPU: up to 256 threads per row sharing workgroup
  // memory; CPU adapter: the serial kernel, one invocation per row).
  for (const policy of ['gpu', 'cpu'] as const) {
    for (const { shape, axis } of cases) {
      it(`forward over [${shape}] axis ${axis} (${policy} policy)`, async () => {
        forceReducePolicy(policy);
        const n = shape.reduce((a, b) => a * b, 1);
        const data = randomArray(n, random, -5, 5).map(Math.fround);
        try {
          await tidyAsync(async () => {
            const x = tensor(data, shape);
            expectClose(await softmax(x, axis).data(), softmaxReference(data, shape, axis, false), {
              atol: 1e-6,
              rtol: 1e-5,
            });
            expectClose(await logSoftmax(x, axis).data(), softmaxReference(data, shape, axis, true), {
              atol: 1e-5,
              rtol: 1e-5,
            });
          });
        } finally {
          forceReducePolicy(null);
        }
      });
    }
  }

  for (const policy of ['gpu', 'cpu'] as const) {
    for (const log of [false, true]) {
      for (const axis of [-1, 1, 0]) {
        it(`${log ? 'logSoftmax' : 'softmax'} gradient along axis ${axis} matches finite differences (${policy} policy)`, async () => {
          const shape = [3, 4, 5];
          forceReducePolicy(policy);
          try {
            await checkOp({
              inputs: [{ data: randomArray(60, random, -3, 3), shape }],
              op: (x) => (log ? logSoftmax(x, axis) : softmax(x, axis)),
              ref: ([x]) => softmaxReference(x!, shape, axis, log),
            });
          } finally {
            forceReducePolicy(null);
          }
        });
      }
    }
  }

  it('reads a permuted input in place', async () => {
    const shape = [3, 4, 5];
    const data = randomArray(60, random, -3, 3).map(Math.fround);
    const dims = [2, 0, 1];
    const pshape = dims.map((d) => shape[d]!);
    const pdata = stridedCopyReference(data, pshape, 0, [1, 20, 5]);
    await checkOp({
      inputs: [{ data, shape }],
      op: (x) => softmax(permute(x, dims), 1),
      ref: ([x]) => softmaxReference(stridedCopyReference(x!, pshape, 0, [1, 20, 5]), pshape, 1, false),
    });
    const out = await tidyAsync(() => logSoftmax(permute(tensor(data, shape), dims), -1).data());
    expectClose(out, softmaxReference(pdata, pshape, -1, true), { atol: 1e-5, rtol: 1e-5 });
  });

  it('is stable at ±100 and ±1e4 and handles -inf (masked) entries', async () => {
    const rows = [
      [100, -100, 0, 50],
      [1e4, 1e4 - 1, -1e4, 0],
      [-1e4, -1e4, -1e4 + 3, -1e4 + 1],
      [-Infinity, 0, 1, -Infinity],
    ];
    const data = rows.flat();
    await tidyAsync(async () => {
      const x = tensor(data, [4, 4]);
      x.requiresGrad = true;
      const p = softmax(x, 1);
      const lp = logSoftmax(x, 1);
      const pv = await p.data();
      expect(Array.from(pv).every(Number.isFinite)).toBe(true);
      expectClose(pv, softmaxReference(data, [4, 4], 1, false), { atol: 1e-6, rtol: 1e-5 });
      const lv = await lp.data();
      expectClose(lv, softmaxReference(data, [4, 4], 1, true), { atol: 1e-3, rtol: 1e-6 });
      backward(sum(mul(p, tensor(randomArray(16, random), [4, 4]))));
      expect(Array.from(await x.grad!.data()).every(Number.isFinite)).toBe(true);
    });
  });

  it('rows sum to 1 for wide rows', async () => {
    const data = randomArray(2 * 5000, random, -20, 20);
    forceReducePolicy('gpu');
    const out = await tidyAsync(() => sum(softmax(tensor(data, [2, 5000]), 1), 1).data()).finally(() =>
      forceReducePolicy(null),
    );
    expectClose(out, [1, 1], { atol: 1e-5, rtol: 0 });
  });

  it('golden values from PyTorch', async () => {
    await checkGolden(goldenCase(file, 'softmax_last'), (x) => softmax(x, -1));
    await checkGolden(goldenCase(file, 'softmax_axis1'), (x) => softmax(x, 1));
    await checkGolden(goldenCase(file, 'log_softmax_axis0'), (x) => logSoftmax(x, 0));
    await checkGolden(goldenCase(file, 'log_softmax_last'), (x) => logSoftmax(x, -1));
    await checkGolden(goldenCase(file, 'softmax_large'), (x) => softmax(x, 1));
    await checkGolden(goldenCase(file, 'log_softmax_large'), (x) => logSoftmax(x, 1), {
      atol: 1e-3,
      rtol: 1e-6,
    });
  });
});
