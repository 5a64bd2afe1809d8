/**
 * The kernels that the reduce launch policy switches outside reduce.ts — bias-gradient sums
 * (sumOuterInner) and cumsum — under both policies on any adapter: 'gpu' (workgroup reductions
 * and scans) and 'cpu' (the serial, barrier-free variants of shaders/core/serial.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cumsum, linear, sumOuterInner, tensor, tidyAsync } from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { cumsumReference } from '../../shaders/index/cumsum.js';
import { linearReference, sumOuterInnerReference } from '../../shaders/matmul/reference.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

describe.each(['gpu', 'cpu'] as const)(
  `policy-switched sums and scans (${platformName}, %s policy)`,
  (policy) => {
    beforeAll(() => forceReducePolicy(policy));
    afterAll(() => forceReducePolicy(null));

    it('sumOuterInner over [O, C, I] matches the reference (columns, channels, empty outer)', async () => {
      const random = rng(41);
      await tidyAsync(async () => {
        for (const [O, C, I] of [
          [5, 7, 1],
          [3, 130, 1], // more than one 64-column workgroup
          [40, 20, 1], // a linear bias gradient over 40 rows
          [2, 64, 4],
          [3, 5, 300],
          [0, 4, 1],
          [0, 3, 5],
        ] as const) {
          const data = randomArray(O * C * I, random);
          const out = sumOuterInner(tensor(data, [O, C, I]), O, C, I);
          expect(out.shape).toEqual([C]);
          expectClose(await out.data(), sumOuterInnerReference(data, O, C, I), { atol: 1e-4, rtol: 1e-5 });
        }
      });
    });

    it('linear bias gradient (sumOuterInner) matches finite differences', async () => {
      const random = rng(42);
      await checkOp({
        inputs: [
          { data: randomArray(2 * 5 * 3, random), shape: [2, 5, 3] },
          { data: randomArray(4 * 3, random), shape: [4, 3] },
          { data: randomArray(4, random), shape: [4] },
        ],
        op: (x, w, b) => linear(x, w, b),
        ref: ([x, w, b]) => linearReference(x!, [2, 5, 3], w!, 4, b!),
      });
    });

    it('cumsum matches the reference and finite differences (rows, long rows, inner axes)', async () => {
      const random = rng(43);
      for (const [shape, axis, reverse] of [
        [[3, 40], 1, false], // rows longer than 32: the GPU's workgroup scan
        [[2, 300], 1, true],
        [[4, 5, 6], 1, false], // inner > 1: one invocation per column
        [[24, 7], 0, true],
      ] as [number[], number, boolean][]) {
        await checkOp({
          inputs: [
            {
              data: randomArray(
                shape.reduce((a, b) => a * b, 1),
                random,
              ),
              shape,
            },
          ],
          op: (x) => cumsum(x, axis, { reverse }),
          ref: ([x]) => cumsumReference(x!, shape, axis, reverse),
          forwardTol: { atol: 1e-4, rtol: 1e-4 },
        });
      }
    });

    it('cumsum of long rows is exact on small integers (f32 and i32)', async () => {
      // Small integers keep every f32 partial sum exact, so the scan must match bit for bit.
      const random = rng(44);
      const data = Array.from({ length: 3 * 9000 }, () => Math.floor(random() * 7) - 3);
      await tidyAsync(async () => {
        for (const dtype of ['f32', 'i32'] as const) {
          for (const reverse of [false, true]) {
            const out = cumsum(tensor(data, [3, 9000], dtype), 1, { reverse });
            expect(out.dtype).toBe(dtype);
            expect(Array.from(await out.data())).toEqual(cumsumReference(data, [3, 9000], 1, reverse));
          }
        }
      });
    });
  },
);
