import { beforeAll, describe, expect, it } from 'vitest';
import {
  ShapeError,
  type Tensor,
  backward,
  msDeformAttn,
  permute,
  reshape,
  setScatterMode,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import {
  type DeformDims,
  type LevelShapes,
  gridSampleZerosReference,
  levelStartIndex,
  msDeformAttnReference,
  msDeformAttnReferenceBackward,
  totalTokens,
} from '../../shaders/deform/reference.js';
import { gridSampleReference, gridToPixel } from '../../shaders/sample/grid-sample.js';
import {
  backwardLayout,
  backwardWorkgroupBytes,
  DEFORM_WORKGROUP_BYTES,
} from '../../shaders/deform/ms-deform-attn.js';
import golden from '../fixtures/golden/deform.json';
import { type GoldenFile, checkGolden } from '../util/golden.js';
import { checkOp, numericalVjp } from '../util/gradcheck.js';
import { expectBitIdenticalRuns, expectSameBits } from '../util/repeat.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

interface Problem {
  dims: DeformDims;
  value: number[];
  loc: number[];
  attn: number[];
}

/** Random inputs, rounded to f32 so the GPU and the float64 reference see the same numbers. */
function problem(dims: DeformDims, seed: number, lo = -0.25, hi = 1.25): Problem {
  const random = rng(seed);
  const { batch: n, queries: lq, heads: m, channels: d, points: p, shapes } = dims;
  const l = shapes.length;
  const f32 = (xs: number[]) => xs.map((x) => Math.fround(x));
  return {
    dims,
    value: f32(randomArray(n * totalTokens(shapes) * m * d, random)),
    loc: f32(randomArray(n * lq * m * l * p * 2, random, lo, hi)),
    attn: f32(randomArray(n * lq * m * l * p, random, -1, 1)),
  };
}

function shapesOf(dims: DeformDims) {
  const { batch: n, queries: lq, heads: m, channels: d, points: p, shapes } = dims;
  return {
    value: [n, totalTokens(shapes), m, d],
    loc: [n, lq, m, shapes.length, p, 2],
    attn: [n, lq, m, shapes.length, p],
  };
}

function dims(
  batch: number,
  shapes: LevelShapes,
  heads: number,
  channels: number,
  queries: number,
  points: number,
): DeformDims {
  return { batch, shapes, heads, channels, queries, points };
}

type Layout = 'auto' | 'cooperative' | 'serial';

async function forwardMatches(pr: Problem, layout: Layout = 'auto'): Promise<void> {
  await tidyAsync(async () => {
    const s = shapesOf(pr.dims);
    const out = msDeformAttn(
      tensor(pr.value, s.value),
      pr.dims.shapes,
      tensor(pr.loc, s.loc),
      tensor(pr.attn, s.attn),
      { layout },
    );
    expect(out.shape).toEqual([pr.dims.batch, pr.dims.queries, pr.dims.heads * pr.dims.channels]);
    expectClose(await out.data(), msDeformAttnReference(pr.value, pr.loc, pr.attn, pr.dims), {
      atol: 1e-5,
      rtol: 1e-4,
    });
  });
}

/** GPU gradients of all three inputs against the float64 analytic backward of the reference. */
async function backwardMatches(pr: Problem, seed: number, layout: Layout = 'auto'): Promise<void> {
  await tidyAsync(async () => {
    const s = shapesOf(pr.dims);
    const v = tensor(pr.value, s.value);
    const l = tensor(pr.loc, s.loc);
    const a = tensor(pr.attn, s.attn);
    for (const t of [v, l, a]) t.requiresGrad = true;
    const out = msDeformAttn(v, pr.dims.shapes, l, a, { layout });
    const cot = randomArray(out.size, rng(seed)).map((x) => Math.fround(x));
    backward(out, tensor(cot, out.shape));
    const ref = msDeformAttnReferenceBackward(pr.value, pr.loc, pr.attn, cot, pr.dims);
    expectClose(await v.grad!.data(), ref.value, { atol: 2e-5, rtol: 1e-4 });
    expectClose(await a.grad!.data(), ref.attn, { atol: 2e-5, rtol: 1e-4 });
    expectClose(await l.grad!.data(), ref.loc, { atol: 1e-4, rtol: 1e-4 });
  });
}

describe(`ms_deform_attn reference (${platformName})`, () => {
  it('samples a 2x2 level exactly as worked out by hand', () => {
    // One level [[1, 2], [3, 4]], one head, one channel, one point of weight 1.
    const d = dims(1, [[2, 2]], 1, 1, 4, 1);
    const value = [1, 2, 3, 4];
    // (0.5, 0.5): pixel (0.5, 0.5), the mean 2.5. (0.25, 0.25): pixel (0, 0) = 1.
    // (0, 0): pixel (-0.5, -0.5), only corner (0, 0) inside with weight 1/4: 0.25.
    // (1, 0.75): pixel (1.5, 1): row 1 only, halfway between 4 and the zero outside: 2.
    const loc = [0.5, 0.5, 0.25, 0.25, 0, 0, 1, 0.75];
    const out = msDeformAttnReference(value, loc, [1, 1, 1, 1], d);
    expectClose(out, [2.5, 1, 0.25, 2], { atol: 1e-12, rtol: 0 });
  });

  it('agrees with the separate grid_sample reference level by level', () => {
    const pr = problem(
      dims(
        1,
        [
          [5, 7],
          [3, 2],
        ],
        1,
        3,
        4,
        1,
      ),
      11,
    );
    const [h, w] = [5, 7];
    // Level 0 alone with weight 1 on level 0 and 0 on level 1.
    const attn = pr.attn.map((_, i) => (i % 2 === 0 ? 1 : 0));
    const out = msDeformAttnReference(pr.value, pr.loc, attn, pr.dims);
    const plane = new Array<number>(3 * h * w);
    for (let t = 0; t < h * w; t++) for (let c = 0; c < 3; c++) plane[c * h * w + t] = pr.value[t * 3 + c]!;
    const coords = Array.from({ length: 4 * 2 }, (_, i) => pr.loc[Math.floor(i / 2) * 4 + (i % 2)]!);
    const other = gridSampleReference(
      plane,
      [1, 3, h, w],
      coords,
      4,
      gridToPixel(w, false, true),
      gridToPixel(h, false, true),
    );
    // other is [C, Lq]; out is [Lq, C].
    const transposed = Array.from({ length: 12 }, (_, i) => other[(i % 3) * 4 + Math.floor(i / 3)]!);
    expectClose(out, transposed, { atol: 1e-12, rtol: 1e-12 });
    // And the in-file grid_sample with an identity-like grid reproduces the pixels at their centres.
    const centres = gridSampleZerosReference(
      [1, 2, 3, 4, 5, 6],
      [1, 1, 2, 3],
      [-2 / 3, -0.5, 2 / 3, 0.5],
      [1, 2],
    );
    expectClose(centres, [1, 6], { atol: 1e-12, rtol: 0 });
  });

  it('has an analytic backward equal to finite differences', () => {
    const pr = problem(
      dims(
        1,
        [
          [3, 4],
          [2, 2],
        ],
        2,
        3,
        3,
        2,
      ),
      12,
    );
    const cot = randomArray(3 * 2 * 3, rng(13));
    const ref = (xs: Float64Array[]) => msDeformAttnReference(xs[0]!, xs[1]!, xs[2]!, pr.dims);
    const [gv, gl, ga] = numericalVjp(ref, [pr.value, pr.loc, pr.attn], cot, [true, true, true]);
    const an = msDeformAttnReferenceBackward(pr.value, pr.loc, pr.attn, cot, pr.dims);
    expectClose(an.value, gv!, { atol: 1e-7, rtol: 1e-6 });
    expectClose(an.loc, gl!, { atol: 1e-6, rtol: 1e-6 });
    expectClose(an.attn, ga!, { atol: 1e-7, rtol: 1e-6 });
    expect(
      levelStartIndex([
        [8, 8],
        [4, 4],
        [2, 2],
      ]),
    ).toEqual([0, 64, 80]);
  });
});

describe(`ms_deform_attn forward (${platformName})`, () => {
  it('matches the reference: 3 levels 8x8/4x4/2x2, D = 8 and 32, points outside [0, 1]', async () => {
    await forwardMatches(
      problem(
        dims(
          2,
          [
            [8, 8],
            [4, 4],
            [2, 2],
          ],
          2,
          8,
          7,
          4,
        ),
        1,
      ),
    );
    await forwardMatches(
      problem(
        dims(
          1,
          [
            [8, 8],
            [4, 4],
            [2, 2],
          ],
          3,
          32,
          5,
          4,
        ),
        2,
      ),
    );
  });

  it('matches the reference on odd sizes and channel counts (vec2 / scalar paths)', async () => {
    await forwardMatches(
      problem(
        dims(
          1,
          [
            [5, 7],
            [3, 2],
          ],
          3,
          32,
          9,
          3,
        ),
        3,
      ),
    );
    await forwardMatches(
      problem(
        dims(
          2,
          [
            [5, 7],
            [1, 1],
          ],
          2,
          6,
          4,
          2,
        ),
        4,
      ),
    );
    await forwardMatches(
      problem(
        dims(
          1,
          [
            [2, 3],
            [3, 1],
            [1, 2],
            [4, 4],
          ],
          1,
          5,
          6,
          1,
        ),
        5,
      ),
    );
    await forwardMatches(problem(dims(1, [[1, 1]], 1, 1, 3, 5), 6, -1, 2));
  });

  it('loops over channel chunks when a head has more than 64 lanes of work (D = 260)', async () => {
    await forwardMatches(
      problem(
        dims(
          1,
          [
            [3, 3],
            [2, 2],
          ],
          2,
          260,
          2,
          2,
        ),
        7,
      ),
    );
  });

  it('reads zeros for far-away points and handles level borders exactly', async () => {
    const d = dims(1, [[3, 4]], 1, 4, 6, 1);
    const pr = problem(d, 8);
    // Far outside, on the borders 0 and 1, and at a pixel centre.
    pr.loc = [1e6, 0.5, -1e6, 0.5, 0.5, -3e7, 0, 0, 1, 1, 0.625, 0.5].map(Math.fround);
    pr.attn = [1, 1, 1, 1, 1, 1];
    await forwardMatches(pr);
    await tidyAsync(async () => {
      const s = shapesOf(d);
      const out = await msDeformAttn(
        tensor(pr.value, s.value),
        d.shapes,
        tensor(pr.loc, s.loc),
        tensor(pr.attn, s.attn),
      ).data();
      expect(Array.from(out.slice(0, 12))).toEqual(new Array(12).fill(0));
      // (0.625, 0.5) on a 3x4 level is pixel (2, 1): token 1·4 + 2 = 6 exactly.
      expectClose(out.slice(20, 24), pr.value.slice(24, 28), { atol: 1e-6, rtol: 0 });
    });
  });

  it('never lets a value outside the sampled corners leak in, even a non-finite one', async () => {
    await tidyAsync(async () => {
      // Every value is NaN; points whose four corners all lie outside the level must give 0.
      const value = tensor(new Array<number>(12 * 4).fill(NaN), [1, 12, 1, 4]);
      const loc = tensor([1e6, 0.5, -3, -3, 0.5, 1.5, 2, 2], [1, 4, 1, 1, 1, 2]);
      for (const layout of ['cooperative', 'serial'] as const) {
        const out = msDeformAttn(value, [[3, 4]], loc, tensor([1, 1, 1, 1], [1, 4, 1, 1, 1]), { layout });
        expect(Array.from(await out.data())).toEqual(new Array(16).fill(0));
      }
    });
  });

  it('handles empty batches, queries and channels', async () => {
    await tidyAsync(async () => {
      const shapes: LevelShapes = [
        [2, 2],
        [1, 1],
      ];
      const noQueries = msDeformAttn(
        zerosT([1, 5, 2, 4]),
        shapes,
        zerosT([1, 0, 2, 2, 3, 2]),
        zerosT([1, 0, 2, 2, 3]),
      );
      expect(noQueries.shape).toEqual([1, 0, 8]);
      expect(Array.from(await noQueries.data())).toEqual([]);
      const noBatch = msDeformAttn(
        zerosT([0, 5, 2, 4]),
        shapes,
        zerosT([0, 3, 2, 2, 3, 2]),
        zerosT([0, 3, 2, 2, 3]),
      );
      expect(noBatch.shape).toEqual([0, 3, 8]);
      // D = 0: empty output, but location and weight gradients exist (and are zero).
      const v = zerosT([1, 5, 1, 0]);
      const l = zerosT([1, 2, 1, 2, 1, 2]);
      const a = zerosT([1, 2, 1, 2, 1]);
      l.requiresGrad = true;
      a.requiresGrad = true;
      const out = msDeformAttn(v, shapes, l, a);
      expect(out.shape).toEqual([1, 2, 0]);
      backward(out, zerosT([1, 2, 0]));
      expect(Array.from(await l.grad!.data())).toEqual(new Array(8).fill(0));
      expect(Array.from(await a.grad!.data())).toEqual(new Array(4).fill(0));
    });
  });

  it('accepts strided views as inputs', async () => {
    const pr = problem(
      dims(
        1,
        [
          [4, 3],
          [2, 2],
        ],
        2,
        4,
        3,
        2,
      ),
      9,
    );
    await tidyAsync(async () => {
      const s = shapesOf(pr.dims);
      // value stored as [N, M, S, D] and permuted to [N, S, M, D].
      const stored = new Array<number>(pr.value.length);
      const S = 16;
      for (let t = 0; t < S; t++)
        for (let m = 0; m < 2; m++)
          for (let c = 0; c < 4; c++) stored[(m * S + t) * 4 + c] = pr.value[(t * 2 + m) * 4 + c]!;
      const value = permute(tensor(stored, [1, 2, S, 4]), [0, 2, 1, 3]);
      const out = msDeformAttn(
        value,
        pr.dims.shapes,
        reshape(tensor(pr.loc, [pr.loc.length]), s.loc),
        tensor(pr.attn, s.attn),
      );
      expectClose(await out.data(), msDeformAttnReference(pr.value, pr.loc, pr.attn, pr.dims), {
        atol: 1e-5,
        rtol: 1e-4,
      });
    });
  });

  it('rejects inconsistent shapes', async () => {
    await tidyAsync(async () => {
      const shapes: LevelShapes = [
        [2, 2],
        [1, 1],
      ];
      const v = zerosT([1, 5, 2, 4]);
      expect(() => msDeformAttn(v, [[2, 2]], zerosT([1, 3, 2, 1, 1, 2]), zerosT([1, 3, 2, 1, 1]))).toThrow(
        ShapeError,
      );
      expect(() => msDeformAttn(v, shapes, zerosT([1, 3, 2, 3, 1, 2]), zerosT([1, 3, 2, 3, 1]))).toThrow(
        /locations must be/,
      );
      expect(() => msDeformAttn(v, shapes, zerosT([1, 3, 2, 2, 1, 2]), zerosT([1, 3, 2, 2, 2]))).toThrow(
        /weights must be/,
      );
      expect(() =>
        msDeformAttn(
          v,
          [
            [2, 2],
            [1, 0],
            [1, 1],
          ],
          zerosT([1, 3, 2, 3, 1, 2]),
          zerosT([1, 3, 2, 3, 1]),
        ),
      ).toThrow(/H, W >= 1/);
      expect(() =>
        msDeformAttn(zerosT([5, 2, 4]), shapes, zerosT([1, 3, 2, 2, 1, 2]), zerosT([1, 3, 2, 2, 1])),
      ).toThrow(/\[N, S, M, D\]/);
    });
  });
});

function zerosT(shape: number[]): Tensor {
  return tensor(new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
}

function gradCase(d: DeformDims, seed: number, lo = -0.3, hi = 1.3, layout: Layout = 'auto') {
  const pr = problem(d, seed, lo, hi);
  const s = shapesOf(d);
  return checkOp({
    inputs: [
      { data: pr.value, shape: s.value },
      { data: pr.loc, shape: s.loc },
      { data: pr.attn, shape: s.attn },
    ],
    op: (v, l, a) => msDeformAttn(v!, d.shapes, l!, a!, { layout }),
    ref: ([v, l, a]) => msDeformAttnReference(v!, l!, a!, d),
    forwardTol: { atol: 1e-5, rtol: 1e-4 },
    gradTol: { atol: 2e-4, rtol: 2e-3 },
    seed,
  });
}

describe(`ms_deform_attn backward (${platformName})`, () => {
  it('all three gradients match float64 finite differences (vec4, vec2 and scalar paths)', async () => {
    await gradCase(
      dims(
        1,
        [
          [3, 4],
          [2, 2],
        ],
        2,
        4,
        3,
        2,
      ),
      21,
    );
    await gradCase(
      dims(
        2,
        [
          [2, 3],
          [1, 1],
        ],
        1,
        2,
        2,
        3,
      ),
      22,
    );
    await gradCase(
      dims(
        1,
        [
          [3, 2],
          [2, 1],
          [1, 1],
        ],
        2,
        3,
        2,
        2,
      ),
      23,
      -0.6,
      1.6,
    );
  });

  it('matches the analytic reference gradient on larger shapes with colliding samples', async () => {
    // Lq = S queries into a 2x2 coarsest level: many samples scatter into the same cells.
    await backwardMatches(
      problem(
        dims(
          1,
          [
            [8, 8],
            [4, 4],
            [2, 2],
          ],
          2,
          32,
          84,
          4,
        ),
        31,
      ),
      32,
    );
    await backwardMatches(
      problem(
        dims(
          2,
          [
            [5, 7],
            [3, 2],
          ],
          3,
          5,
          6,
          3,
        ),
        33,
      ),
      34,
    );
    await backwardMatches(
      problem(
        dims(
          1,
          [
            [3, 3],
            [2, 2],
          ],
          1,
          260,
          3,
          2,
        ),
        35,
      ),
      36,
    );
  });

  it('gives each input only the gradient it asks for', async () => {
    const pr = problem(
      dims(
        1,
        [
          [3, 4],
          [2, 2],
        ],
        2,
        4,
        3,
        2,
      ),
      41,
    );
    await tidyAsync(async () => {
      const s = shapesOf(pr.dims);
      const v = tensor(pr.value, s.value);
      const l = tensor(pr.loc, s.loc);
      const a = tensor(pr.attn, s.attn);
      a.requiresGrad = true;
      const out = msDeformAttn(v, pr.dims.shapes, l, a);
      const cot = randomArray(out.size, rng(42)).map((x) => Math.fround(x));
      backward(out, tensor(cot, out.shape));
      expect(v.grad).toBeNull();
      expect(l.grad).toBeNull();
      const ref = msDeformAttnReferenceBackward(pr.value, pr.loc, pr.attn, cot, pr.dims);
      expectClose(await a.grad!.data(), ref.attn, { atol: 2e-5, rtol: 1e-4 });
    });
  });

  it('keeps the backward reduction within its workgroup memory budget', () => {
    for (const budget of [DEFORM_WORKGROUP_BYTES, 1024]) {
      for (const [levels, points, channels] of [
        [3, 4, 32],
        [4, 4, 256],
        [4, 8, 32],
        [4, 32, 1024],
        [1, 1, 1],
      ] as const) {
        const layout = backwardLayout(levels, points, channels, true, budget);
        expect(backwardWorkgroupBytes(layout)).toBeLessThanOrEqual(budget);
        expect(layout.lanes * layout.groups).toBeLessThanOrEqual(256);
        expect(layout.lanes).toBeLessThanOrEqual(Math.max(1, channels / layout.width));
      }
    }
    // The GPU layout of the pixel decoder's shape: 8 lanes (D = 32 as vec4) per head.
    expect(backwardLayout(3, 4, 32, true).lanes).toBe(8);
    expect(backwardLayout(3, 4, 32, false).lanes).toBe(1);
  });
});

describe(`ms_deform_attn, both work layouts forced (${platformName})`, () => {
  // 'auto' picks one layout per adapter; the other must be right too (GPUs run 'cooperative').
  for (const layout of ['cooperative', 'serial'] as const) {
    it(`${layout}: forward matches the reference`, async () => {
      await forwardMatches(
        problem(
          dims(
            2,
            [
              [8, 8],
              [4, 4],
              [2, 2],
            ],
            2,
            8,
            7,
            4,
          ),
          51,
        ),
        layout,
      );
      await forwardMatches(
        problem(
          dims(
            1,
            [
              [5, 7],
              [3, 2],
            ],
            3,
            32,
            9,
            3,
          ),
          52,
        ),
        layout,
      );
      await forwardMatches(
        problem(
          dims(
            1,
            [
              [3, 3],
              [2, 2],
            ],
            2,
            260,
            2,
            2,
          ),
          53,
        ),
        layout,
      );
      await forwardMatches(
        problem(
          dims(
            1,
            [
              [2, 3],
              [3, 1],
            ],
            2,
            6,
            5,
            2,
          ),
          54,
        ),
        layout,
      );
    });

    it(`${layout}: backward matches finite differences and the analytic gradient`, async () => {
      await gradCase(
        dims(
          1,
          [
            [3, 4],
            [2, 2],
          ],
          2,
          8,
          3,
          2,
        ),
        55,
        -0.3,
        1.3,
        layout,
      );
      await backwardMatches(
        problem(
          dims(
            1,
            [
              [8, 8],
              [4, 4],
              [2, 2],
            ],
            2,
            32,
            84,
            4,
          ),
          56,
        ),
        57,
        layout,
      );
      await backwardMatches(
        problem(
          dims(
            2,
            [
              [5, 7],
              [3, 2],
            ],
            3,
            5,
            6,
            3,
          ),
          58,
        ),
        59,
        layout,
      );
      await backwardMatches(
        problem(
          dims(
            1,
            [
              [3, 3],
              [2, 2],
            ],
            1,
            260,
            3,
            2,
          ),
          60,
        ),
        61,
        layout,
      );
    });
  }
});

describe(`ms_deform_attn backward is deterministic (${platformName})`, () => {
  // 600 queries × 2 heads × 4 points on a 2×2 and a 1×1 level: thousands of sample corners per
  // value row, so any run-to-run change in the order of the adds would change the rounding.
  const heavy = problem(
    dims(
      1,
      [
        [2, 2],
        [1, 1],
      ],
      2,
      8,
      600,
      4,
    ),
    51,
    0,
    1,
  );
  const cot = randomArray(heavy.dims.queries * heavy.dims.heads * heavy.dims.channels, rng(52)).map((x) =>
    Math.fround(x),
  );

  /** The three gradients of one backward pass. */
  async function gradients(layout: Layout): Promise<Float32Array[]> {
    return tidyAsync(async () => {
      const s = shapesOf(heavy.dims);
      const v = tensor(heavy.value, s.value);
      const l = tensor(heavy.loc, s.loc);
      const a = tensor(heavy.attn, s.attn);
      for (const t of [v, l, a]) t.requiresGrad = true;
      const out = msDeformAttn(v, heavy.dims.shapes, l, a, { layout });
      backward(out, tensor(cot, out.shape));
      const grads: Float32Array[] = [];
      for (const t of [v, l, a]) grads.push(Float32Array.from(await t.grad!.data()));
      return grads;
    });
  }

  it('gives bit-identical gradients on 5 runs with thousands of collisions per value row', async () => {
    const [gv, gl, ga] = await expectBitIdenticalRuns(() => gradients('auto'));
    const ref = msDeformAttnReferenceBackward(heavy.value, heavy.loc, heavy.attn, cot, heavy.dims);
    // Each value row sums 1000–2400 terms of size ≤ 1 in f32; the float64 sums reach ~20.
    expectClose(gv!, ref.value, { atol: 2e-4, rtol: 1e-4 });
    expectClose(ga!, ref.attn, { atol: 2e-5, rtol: 1e-4 });
    expectClose(gl!, ref.loc, { atol: 1e-4, rtol: 1e-4 });
    // grad_value is summed by the same ordered kernel in both work layouts: the same bits.
    const [coopValue] = await gradients('cooperative');
    expectSameBits(coopValue!, gv!, 'grad_value, cooperative vs serial layout');
  });

  it('still matches the reference in the atomic scatter mode (the switch)', async () => {
    const previous = setScatterMode('atomic');
    try {
      const [gv] = await gradients('auto');
      const ref = msDeformAttnReferenceBackward(heavy.value, heavy.loc, heavy.attn, cot, heavy.dims);
      expectClose(gv!, ref.value, { atol: 2e-4, rtol: 1e-4 });
    } finally {
      setScatterMode(previous);
    }
  });
});

describe(`ms_deform_attn vs PyTorch (${platformName})`, () => {
  it('matches ms_deform_attn_core_pytorch and its autograd gradients', async () => {
    expect(file.cases.length).toBe(4);
    for (const c of file.cases) {
      const shapes = c.params['spatialShapes'] as [number, number][];
      await checkGolden(c, (v, l, a) => msDeformAttn(v!, shapes, l!, a!), { atol: 1e-4, rtol: 1e-3 });
    }
  });
});
