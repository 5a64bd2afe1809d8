import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GemmVariant,
  type MatmulOptions,
  type Tensor,
  backward,
  chooseGemmPlan,
  linear,
  matmul,
  sumOuterInner,
  tensor,
  tidyAsync,
  transpose,
} from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { linearReference, matmulReference, sumOuterInnerReference } from '../../shaders/matmul/reference.js';
import golden from '../fixtures/golden/matmul.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng } from '../util/engine.js';
import { useEngine } from '../util/engine.js';

const file = golden as GoldenFile;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await useEngine();
});

/** Both GEMM plans on any adapter: 'gpu' (naive / tiled / split-K) and 'cpu' (register8). */
const POLICIES = ['gpu', 'cpu'] as const;
function usePolicy(policy: 'gpu' | 'cpu'): void {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));
}

/** An operand given as its logical shape, stored transposed (last two dims swapped) when `t`. */
interface Operand {
  shape: number[];
  t?: boolean;
}

function storedShape(o: Operand): number[] {
  if (!o.t) return o.shape;
  const s = [...o.shape];
  const n = s.length;
  [s[n - 2], s[n - 1]] = [s[n - 1]!, s[n - 2]!];
  return s;
}

/** Logical row-major data of a stored-transposed operand. */
function logicalData(stored: readonly number[], o: Operand): number[] {
  if (!o.t) return [...stored];
  const s = storedShape(o);
  const [r, c] = s.slice(-2) as [number, number];
  const out = new Array<number>(stored.length);
  for (let b = 0; b < stored.length / (r * c); b++) {
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = stored[b * r * c + i * c + j]!;
  }
  return out;
}

function view(t: Tensor, o: Operand): Tensor {
  return o.t ? transpose(t) : t;
}

async function checkForward(a: Operand, b: Operand, options: MatmulOptions, seed: number): Promise<void> {
  const random = rng(seed);
  const aData = randomArray(size(a.shape), random);
  const bData = randomArray(size(b.shape), random);
  const ref = matmulReference(logicalData(aData, a), a.shape, logicalData(bData, b), b.shape);
  await tidyAsync(async () => {
    const out = matmul(
      view(tensor(aData, storedShape(a)), a),
      view(tensor(bData, storedShape(b)), b),
      options,
    );
    expect(out.shape).toEqual(ref.shape);
    expectClose(await out.data(), ref.data, { atol: 1e-5, rtol: 1e-4 });
  });
}

const SHAPES: [string, Operand, Operand][] = [
  ['1x1x1', { shape: [1, 1] }, { shape: [1, 1] }],
  ['3x5x7', { shape: [3, 5] }, { shape: [5, 7] }],
  ['65x33x17', { shape: [65, 33] }, { shape: [33, 17] }],
  ['vec4 operands 36x16x40', { shape: [36, 16] }, { shape: [16, 40] }],
  ['batched broadcast [2,1,4,5]x[3,5,6]', { shape: [2, 1, 4, 5] }, { shape: [3, 5, 6] }],
  ['a transposed (aligned) 8x12x20', { shape: [8, 12], t: true }, { shape: [12, 20] }],
  ['b transposed (aligned) 9x8x12', { shape: [9, 8] }, { shape: [8, 12], t: true }],
  ['both transposed, odd 7x9x5', { shape: [7, 9], t: true }, { shape: [9, 5], t: true }],
  ['batched, b transposed [3,5,8]x[8,4]ᵀ', { shape: [3, 5, 8] }, { shape: [3, 8, 4], t: true }],
  ['vector x matrix', { shape: [6] }, { shape: [6, 3] }],
  ['matrix x vector', { shape: [4, 7] }, { shape: [7] }],
  ['vector x vector', { shape: [9] }, { shape: [9] }],
  ['K = 0', { shape: [3, 0] }, { shape: [0, 5] }],
  ['M = 0', { shape: [0, 4] }, { shape: [4, 3] }],
];

/**
 * Register-tile edges: several workgroups with partial tiles along m and n, k stepped by 4 with
 * a scalar tail, every vec4 reading direction of A and B, and a C row length not a multiple of 4.
 */
const REGISTER_SHAPES: [string, Operand, Operand][] = [
  ['both n/m-vec, k tail 44x39x52', { shape: [44, 39], t: true }, { shape: [39, 52] }],
  ['both k-vec, odd N 20x16x50', { shape: [20, 16] }, { shape: [16, 50], t: true }],
  ['m-vec A, k-vec B 68x24x36', { shape: [68, 24], t: true }, { shape: [24, 36], t: true }],
  ['k-vec A, n-vec B, batched [2,40,12]x[12,72]', { shape: [2, 40, 12] }, { shape: [12, 72] }],
  ['a few rows (register: wide workgroup) 3x8x70', { shape: [3, 8] }, { shape: [8, 70] }],
];

/** What the tiled variants are checked on: few kernels, since each compiles slowly on CPUs. */
const TILED_SHAPES: [string, Operand, Operand][] = [
  ['65x33x17 (k-vec A, n-vec B, odd edges)', { shape: [65, 33] }, { shape: [33, 17] }],
  ['transposed, aligned 68x24x36', { shape: [68, 24], t: true }, { shape: [24, 36], t: true }],
  ['transposed, odd 7x9x5', { shape: [7, 9], t: true }, { shape: [9, 5], t: true }],
  ['K = 0', { shape: [65, 0] }, { shape: [0, 17] }],
];

describe(`matmul (${platformName})`, () => {
  for (const variant of ['naive', 'register', 'register8'] as const) {
    it(`${variant}: forward against the reference on odd, batched, transposed and 1-D shapes`, async () => {
      let seed = 1;
      for (const [, a, b] of SHAPES) await checkForward(a, b, { variant }, seed++);
    });
  }

  for (const variant of ['register', 'register8'] as const) {
    it(`${variant}: partial tiles, k tails and every vec4 direction`, async () => {
      let seed = 30;
      for (const [, a, b] of REGISTER_SHAPES) await checkForward(a, b, { variant }, seed++);
    });
  }

  it('tiled64: forward against the reference', async () => {
    let seed = 50;
    for (const [, a, b] of TILED_SHAPES) await checkForward(a, b, { variant: 'tiled64' }, seed++);
  });

  it('tiled128: forward against the reference (a partial block)', async () => {
    await checkForward(TILED_SHAPES[0]![1], TILED_SHAPES[0]![2], { variant: 'tiled128' }, 60);
  });

  it('reads transposed views without copying them', async () => {
    await tidyAsync(async () => {
      const a = tensor(randomArray(12, rng(3)), [4, 3]);
      const at = transpose(a);
      expect(at.storage).toBe(a.storage);
      const out = matmul(at, a);
      expect(out.shape).toEqual([3, 3]);
    });
  });

  it('rejects mismatched inner dims and scalars', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => matmul(a, a)).toThrow(/inner dims 3 and 2/);
    expect(() => matmul(tensor([1], []), a)).toThrow(/scalar/);
    a.dispose();
  });

  it('picks variants per adapter: register tiles on CPUs, workgroup tiles on GPUs', () => {
    const pick = (m: number, n: number, k: number, b: number, cpu: boolean): GemmVariant =>
      chooseGemmPlan(m, n, k, b, cpu, true).variant;
    expect(pick(512, 512, 512, 1, true)).toBe('register8');
    expect(pick(1, 512, 512, 1, true)).toBe('register8');
    // A gathered (scalar) operand: 4x4 tiles, whose shaders SwiftShader compiles quickly.
    expect(chooseGemmPlan(512, 512, 512, 1, true, true, 'auto', false).variant).toBe('register');
    expect(pick(4096, 4096, 4096, 1, false)).toBe('tiled128');
    expect(pick(256, 256, 256, 1, false)).toBe('tiled64');
    expect(pick(8, 4096, 4096, 1, false)).toBe('naive');
    expect(chooseGemmPlan(96, 48, 150_000, 1, false, true).splits).toBeGreaterThan(1);
    expect(chooseGemmPlan(96, 48, 150_000, 1, true, true).splits).toBe(1);
  });
});

describe.each(POLICIES)(`matmul auto plan (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  it('auto and split-K agree with the reference', async () => {
    await checkForward({ shape: [2, 1, 4, 5] }, { shape: [3, 5, 6] }, {}, 70);
    await checkForward({ shape: [44, 39], t: true }, { shape: [39, 52] }, {}, 73);
    await checkForward({ shape: [6, 37] }, { shape: [37, 10] }, { splitK: 3 }, 71);
    await checkForward({ shape: [5, 37], t: true }, { shape: [37, 8] }, { splitK: 4, variant: 'naive' }, 72);
  });
});

describe.each(POLICIES)(`matmul gradients (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  const cases: [string, Operand, Operand][] = [
    ['3x5x7', { shape: [3, 5] }, { shape: [5, 7] }],
    ['batched broadcast', { shape: [2, 1, 4, 5] }, { shape: [3, 5, 6] }],
    ['2-D weight, batched input', { shape: [2, 3, 4] }, { shape: [4, 5] }],
    ['2-D input, batched weight', { shape: [3, 4] }, { shape: [2, 4, 5] }],
    ['transposed views', { shape: [4, 6], t: true }, { shape: [6, 5], t: true }],
    ['vector x matrix', { shape: [5] }, { shape: [5, 3] }],
    ['matrix x vector', { shape: [4, 5] }, { shape: [5] }],
    ['vector x vector', { shape: [6] }, { shape: [6] }],
  ];
  for (const [name, a, b] of cases) {
    it(`${name}: backward against finite differences`, async () => {
      const random = rng(name.length);
      await checkOp({
        inputs: [
          { data: randomArray(size(a.shape), random), shape: storedShape(a) },
          { data: randomArray(size(b.shape), random), shape: storedShape(b) },
        ],
        op: (x, y) => matmul(view(x, a), view(y, b)),
        ref: ([x, y]) =>
          matmulReference(logicalData([...x!], a), a.shape, logicalData([...y!], b), b.shape).data,
      });
    });
  }

  it('linear with bias: forward and backward', async () => {
    const random = rng(11);
    const xShape = [2, 3, 6];
    await checkOp({
      inputs: [
        { data: randomArray(36, random), shape: xShape },
        { data: randomArray(30, random), shape: [5, 6] },
        { data: randomArray(5, random), shape: [5] },
      ],
      op: (x, w, b) => linear(x, w, b),
      ref: ([x, w, b]) => linearReference(x!, xShape, w!, 5, b),
    });
  });

  it('linear on a non-contiguous input, no bias', async () => {
    const random = rng(12);
    await checkOp({
      inputs: [
        { data: randomArray(20, random), shape: [5, 4] },
        { data: randomArray(15, random), shape: [3, 5] },
      ],
      // x = transpose of a [5, 4] tensor: [4, 5] rows with stride 1, columns with stride 4.
      op: (x, w) => linear(transpose(x), w),
      ref: ([x, w]) => linearReference(logicalData([...x!], { shape: [4, 5], t: true }), [4, 5], w!, 3),
    });
  });
});

describe.each(POLICIES)(`matmul memory (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  it('forward and backward free every intermediate buffer', async () => {
    const eng = await useEngine();
    await eng.sync();
    const before = eng.pool.snapshot().liveBytes;
    await tidyAsync(async () => {
      const a = tensor(randomArray(2 * 4 * 5, rng(1)), [2, 1, 4, 5]);
      const b = tensor(randomArray(3 * 5 * 6, rng(2)), [3, 5, 6]);
      const w = tensor(randomArray(7 * 6, rng(3)), [7, 6]);
      const bias = tensor(randomArray(7, rng(4)), [7]);
      for (const t of [a, b, w, bias]) t.requiresGrad = true;
      const out = linear(matmul(a, transpose(transpose(b))), w, bias);
      backward(out, tensor(randomArray(out.size, rng(5)), out.shape));
      for (const t of [a, b, w, bias]) {
        expect(t.grad?.shape).toEqual(t.shape);
        t.grad?.dispose();
      }
      await out.data();
    });
    await eng.sync();
    expect(eng.pool.snapshot().liveBytes).toBe(before);
  });
});

describe(`matmul bias-gradient reduction (${platformName})`, () => {
  it('sums over outer and inner dims', async () => {
    for (const [o, c, i] of [
      [7, 5, 1],
      [3, 4, 9],
      [1, 70, 1],
    ] as const) {
      const data = randomArray(o * c * i, rng(o + c + i));
      await tidyAsync(async () => {
        const out = sumOuterInner(tensor(data, [o, c, i]), o, c, i);
        expectClose(await out.data(), sumOuterInnerReference(data, o, c, i));
      });
    }
  });
});

describe.each(POLICIES)(`matmul golden values from PyTorch (${platformName}, %s policy)`, (policy) => {
  usePolicy(policy);
  const plain = ['mm_1x1x1', 'mm_3x5x7', 'mm_9x6x11', 'bmm_broadcast', 'bmm_weight_2d', 'bmm_lhs_2d'];
  const vectors = ['vec_mat', 'mat_vec', 'vec_vec', 'batch_vec'];
  for (const name of [...plain, ...vectors]) {
    it(name, async () => {
      await checkGolden(goldenCase(file, name), (a, b) => matmul(a, b));
    });
  }
  it('mm_at_bt (transposed views)', async () => {
    await checkGolden(goldenCase(file, 'mm_at_bt'), (a, b) => matmul(transpose(a), transpose(b)));
  });
  it('linear_bias', async () => {
    await checkGolden(goldenCase(file, 'linear_bias'), (x, w, b) => linear(x, w, b));
  });
  it('linear_nobias', async () => {
    await checkGolden(goldenCase(file, 'linear_nobias'), (x, w) => linear(x, w));
  });
});
