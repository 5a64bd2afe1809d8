import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backward,
  groupNorm,
  groupNormForward,
  layerNorm,
  layerNormForward,
  permute,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { groupNormReference } from '../../shaders/norm/group-norm.js';
import { layerNormReference } from '../../shaders/norm/layer-norm.js';
import golden from '../fixtures/golden/norm.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await useEngine();
});

/**
 * Every layer/group-norm test runs under both kernel policies on any adapter: 'gpu' (workgroup
 * reductions) and 'cpu' (the serial, barrier-free variants). A describe block's tests run in
 * order after its beforeAll, so forcing the policy there covers all of them.
 */
const POLICIES = ['gpu', 'cpu'] as const;
function usePolicy(policy: 'gpu' | 'cpu'): void {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));
}

/** Data with a large common offset: a one-pass variance would lose most of its digits. */
function offsetData(n: number, seed: number, offset = 0): number[] {
  return randomArray(n, rng(seed), -2, 2).map((v) => v + offset);
}

describe.each(POLICIES)(`layerNorm (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  const shapes: number[][] = [
    [3, 7],
    [37, 5], // 8 rows per workgroup: a partial last workgroup; serial: 3 workgroups of 16
    [2, 300], // 128 invocations per row
    [1, 1100], // 256 invocations per row, several values each
    [2, 3, 16],
    [2, 256, 16], // the cpu-tiny backbone's first stage
    [5, 1], // one value per row: xhat = 0
  ];
  for (const shape of shapes) {
    it(`forward, mean and rstd on [${shape}] against the reference`, async () => {
      const C = shape[shape.length - 1]!;
      const x = offsetData(size(shape), C, 100);
      const w = randomArray(C, rng(C + 1));
      const b = randomArray(C, rng(C + 2));
      const ref = layerNormReference(x, C, w, b);
      await tidyAsync(async () => {
        const r = layerNormForward(tensor(x, shape), tensor(w, [C]), tensor(b, [C]));
        expect(r.y.shape).toEqual(shape);
        expect(r.mean.shape).toEqual(shape.slice(0, -1));
        expectClose(await r.y.data(), ref.y, { atol: 2e-4, rtol: 1e-3 });
        expectClose(await r.mean.data(), ref.mean, { atol: 1e-4, rtol: 1e-5 });
        expectClose(await r.rstd.data(), ref.rstd, { atol: 1e-4, rtol: 1e-3 });
      });
    });
  }

  it('gradients (input, weight, bias) against finite differences', async () => {
    const random = rng(21);
    await checkOp({
      inputs: [
        { data: randomArray(4 * 6, random), shape: [4, 6] },
        { data: randomArray(6, random), shape: [6] },
        { data: randomArray(6, random), shape: [6] },
      ],
      op: (x, w, b) => layerNorm(x, w, b),
      ref: ([x, w, b]) => layerNormReference(x!, 6, w!, b!).y,
    });
  });

  it('gradients without affine parameters, on a permuted view', async () => {
    const random = rng(22);
    await checkOp({
      inputs: [{ data: randomArray(5 * 3, random), shape: [5, 3] }],
      op: (x) => layerNorm(permute(x, [1, 0])),
      ref: ([x]) => {
        const t: number[] = [];
        for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) t.push(x![j * 3 + i]!);
        return layerNormReference(t, 5, null, null).y;
      },
    });
  });

  it('gradients on the cpu-tiny backbone shape [2, 64, 16] with affine parameters', async () => {
    const random = rng(24);
    const shape = [2, 64, 16];
    await checkOp({
      inputs: [
        { data: randomArray(size(shape), random), shape },
        { data: randomArray(16, random), shape: [16] },
        { data: randomArray(16, random), shape: [16] },
      ],
      op: (x, w, b) => layerNorm(x, w, b),
      ref: ([x, w, b]) => layerNormReference(x!, 16, w!, b!).y,
      gradTol: { atol: 2e-3, rtol: 1e-2 },
    });
  });

  it('weight and bias gradients over many rows (chunked column sums)', async () => {
    const random = rng(23);
    const R = 600;
    await checkOp({
      inputs: [
        { data: randomArray(R * 3, random), shape: [R, 3], grad: false },
        { data: randomArray(3, random), shape: [3] },
        { data: randomArray(3, random), shape: [3] },
      ],
      op: (x, w, b) => layerNorm(x, w, b),
      ref: ([x, w, b]) => layerNormReference(x!, 3, w!, b!).y,
      gradTol: { atol: 2e-3, rtol: 1e-2 },
    });
  });
});

describe.each(POLICIES)(`groupNorm (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  const shapes: [number[], number][] = [
    [[2, 6, 3, 4], 3],
    [[2, 4, 5], 2],
    [[1, 8, 12, 12], 2], // 576 values per group
    [[3, 4, 40, 30], 4], // 1200 per group: 256-invocation workgroups
    [[2, 64, 16, 16], 32], // the cpu-tiny pixel decoder: 64 groups of 2 channels
    [[2, 3], 3], // no spatial dims: one value per group
  ];
  for (const [shape, groups] of shapes) {
    it(`forward, mean and rstd on [${shape}] / ${groups} groups against the reference`, async () => {
      const C = shape[1]!;
      const x = offsetData(size(shape), C * 3 + groups, 50);
      const w = randomArray(C, rng(C + 5));
      const b = randomArray(C, rng(C + 6));
      const ref = groupNormReference(x, shape, groups, w, b);
      await tidyAsync(async () => {
        const r = groupNormForward(tensor(x, shape), groups, tensor(w, [C]), tensor(b, [C]));
        expect(r.mean.shape).toEqual([shape[0], groups]);
        expectClose(await r.y.data(), ref.y, { atol: 2e-4, rtol: 1e-3 });
        expectClose(await r.mean.data(), ref.mean, { atol: 1e-4, rtol: 1e-5 });
        expectClose(await r.rstd.data(), ref.rstd, { atol: 1e-4, rtol: 1e-3 });
      });
    });
  }

  it('gradients (input, weight, bias) against finite differences', async () => {
    const random = rng(31);
    const shape = [2, 4, 3, 2];
    await checkOp({
      inputs: [
        { data: randomArray(size(shape), random), shape },
        { data: randomArray(4, random), shape: [4] },
        { data: randomArray(4, random), shape: [4] },
      ],
      op: (x, w, b) => groupNorm(x, 2, w, b),
      ref: ([x, w, b]) => groupNormReference(x!, shape, 2, w!, b!).y,
    });
  });

  it('gradients with several groups of several channels and a batch (weight/bias sums over n)', async () => {
    const random = rng(33);
    const shape = [3, 6, 5];
    await checkOp({
      inputs: [
        { data: randomArray(size(shape), random), shape },
        { data: randomArray(6, random), shape: [6] },
        { data: randomArray(6, random), shape: [6] },
      ],
      op: (x, w, b) => groupNorm(x, 3, w, b),
      ref: ([x, w, b]) => groupNormReference(x!, shape, 3, w!, b!).y,
    });
  });

  it('gradients without affine parameters', async () => {
    const random = rng(32);
    const shape = [2, 3, 4];
    await checkOp({
      inputs: [{ data: randomArray(size(shape), random), shape }],
      op: (x) => groupNorm(x, 3),
      ref: ([x]) => groupNormReference(x!, shape, 3, null, null).y,
    });
  });

  it('rejects channels that do not split into groups', () => {
    const x = tensor(new Array(2 * 6).fill(0), [2, 6]);
    expect(() => groupNorm(x, 4)).toThrow(/groups/);
    x.dispose();
  });
});

describe.each(POLICIES)(`norm memory (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  it('forward and backward free every intermediate buffer, statistics included', async () => {
    const eng = await useEngine();
    await eng.sync();
    const before = eng.pool.snapshot().liveBytes;
    await tidyAsync(async () => {
      const x = tensor(randomArray(2 * 4 * 6, rng(1)), [2, 4, 6]);
      const w = tensor(randomArray(6, rng(2)), [6]);
      const gw = tensor(randomArray(4, rng(3)), [4]);
      for (const t of [x, w, gw]) t.requiresGrad = true;
      const out = groupNorm(layerNorm(x, w, null), 2, gw, null);
      backward(out, tensor(randomArray(out.size, rng(4)), out.shape));
      for (const t of [x, w, gw]) t.grad?.dispose();
      await out.data();
      // Without autograd the statistics are freed at once.
      await layerNorm(tensor([1, 2, 3], [3])).data();
    });
    await eng.sync();
    expect(eng.pool.snapshot().liveBytes).toBe(before);
  });
});

describe.each(POLICIES)(`norm golden values from PyTorch (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  for (const c of file.cases) {
    it(c.name, async () => {
      const p = c.params as { eps: number; affine: boolean; groups?: number };
      const g = goldenCase(file, c.name);
      if (c.name.startsWith('ln')) {
        await checkGolden(g, (x, w, b) => layerNorm(x, p.affine ? w : null, p.affine ? b : null, p.eps));
      } else {
        await checkGolden(g, (x, w, b) =>
          groupNorm(x, p.groups!, p.affine ? w : null, p.affine ? b : null, p.eps),
        );
      }
    });
  }
});
