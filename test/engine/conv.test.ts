import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Conv2dOptions,
  type MatmulVariant,
  backward,
  conv2d,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { type Conv2dGeometry, conv2dReference } from '../../shaders/conv/reference.js';
import golden from '../fixtures/golden/conv.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { checkOp } from '../util/gradcheck.js';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

const file = golden as GoldenFile;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await useEngine();
});

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  bias: boolean;
  opt: { stride?: number; padding?: number; dilation?: number; groups?: number };
}

function geometry(o: ConvCase['opt']): Conv2dGeometry {
  const p = (v: number | undefined, d: number): [number, number] => [v ?? d, v ?? d];
  return {
    stride: p(o.stride, 1),
    padding: p(o.padding, 0),
    dilation: p(o.dilation, 1),
    groups: o.groups ?? 1,
  };
}

const CASES: ConvCase[] = [
  { name: '3x3 stride 1 padding 1', x: [2, 3, 5, 6], w: [4, 3, 3, 3], bias: true, opt: { padding: 1 } },
  {
    name: '3x3 stride 2 padding 1',
    x: [1, 3, 7, 6],
    w: [4, 3, 3, 3],
    bias: true,
    opt: { stride: 2, padding: 1 },
  },
  { name: '3x3 stride 1 padding 0, no bias', x: [1, 2, 5, 5], w: [3, 2, 3, 3], bias: false, opt: {} },
  { name: '1x1 (a plain matmul, vec4 reads)', x: [2, 4, 2, 4], w: [8, 4, 1, 1], bias: true, opt: {} },
  { name: '1x1 odd sizes', x: [1, 3, 3, 3], w: [5, 3, 1, 1], bias: true, opt: {} },
  { name: '1x1 stride 2', x: [1, 4, 5, 5], w: [3, 4, 1, 1], bias: true, opt: { stride: 2 } },
  {
    name: '4x4 stride 4 (Swin patch embed)',
    x: [1, 3, 8, 8],
    w: [5, 3, 4, 4],
    bias: true,
    opt: { stride: 4 },
  },
  {
    name: 'groups 2, dilation 2',
    x: [1, 4, 6, 5],
    w: [6, 2, 3, 3],
    bias: true,
    opt: { padding: 2, dilation: 2, groups: 2 },
  },
  { name: 'depthwise 3x3', x: [2, 4, 5, 5], w: [4, 1, 3, 3], bias: true, opt: { padding: 1, groups: 4 } },
  { name: '1x1 grouped', x: [1, 4, 3, 4], w: [6, 2, 1, 1], bias: false, opt: { groups: 2 } },
];

async function checkConv(c: ConvCase, variant: MatmulVariant, withGrad: boolean): Promise<void> {
  const random = rng(c.name.length * 7 + variant.length);
  const inputs = [
    { data: randomArray(size(c.x), random), shape: c.x },
    { data: randomArray(size(c.w), random), shape: c.w },
    ...(c.bias ? [{ data: randomArray(c.w[0], random), shape: [c.w[0]] }] : []),
  ];
  const options: Conv2dOptions = { ...c.opt, variant };
  await checkOp({
    inputs,
    op: (x, w, b) => conv2d(x, w, b, options),
    ref: ([x, w, b]) => conv2dReference(x!, c.x, w!, c.w, c.bias ? b! : null, geometry(c.opt)).data,
    noGrad: !withGrad,
  });
}

describe(`conv2d (${platformName})`, () => {
  for (const c of CASES) {
    it(`${c.name}: forward and backward (input, weight, bias) against the reference`, async () => {
      await checkConv(c, 'auto', true);
    });
  }

  it('every case with the naive kernel forced, gradients included', async () => {
    for (const c of CASES) await checkConv(c, 'naive', true);
  });

  it('every case with the register-tiled kernel forced', async () => {
    for (const c of CASES) await checkConv(c, 'register', c.opt.groups === undefined);
  });

  it('the workgroup-tiled kernel on a 3x3 and a 1x1 convolution', async () => {
    await checkConv(CASES[0]!, 'tiled64', false);
    await checkConv(CASES[3]!, 'tiled64', false);
  });

  it('output shape follows PyTorch for stride, padding and dilation', async () => {
    await tidyAsync(async () => {
      const x = tensor(new Array(1 * 2 * 9 * 7).fill(1), [1, 2, 9, 7]);
      const w = tensor(new Array(3 * 2 * 3 * 2).fill(1), [3, 2, 3, 2]);
      const out = conv2d(x, w, null, { stride: [2, 3], padding: [1, 0], dilation: [2, 1] });
      // H: floor((9 + 2 - 2*2 - 1) / 2) + 1 = 4; W: floor((7 - 1 - 1) / 3) + 1 = 2.
      expect(out.shape).toEqual([1, 3, 4, 2]);
      const v = await out.data();
      // Every tap inside the image for output (0, 0)? rows -1, 1, 3: one row of padding -> 2 rows * 2 cols * 2 ch.
      expect(v[0]).toBe(8);
    });
  });

  it('rejects inconsistent groups and shapes', () => {
    const x = tensor(new Array(2 * 4 * 3 * 3).fill(0), [2, 4, 3, 3]);
    const w = tensor(new Array(6 * 3 * 1 * 1).fill(0), [6, 3, 1, 1]);
    expect(() => conv2d(x, w)).toThrow(/groups/);
    expect(() => conv2d(x, w, null, { groups: 2 })).toThrow(/groups/);
    x.dispose();
    w.dispose();
  });
});

describe(`conv2d golden values from PyTorch (${platformName})`, () => {
  for (const c of file.cases) {
    it(c.name, async () => {
      const p = c.params as {
        stride: number;
        padding: number;
        dilation: number;
        groups: number;
        bias: boolean;
      };
      const options = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
      await checkGolden(goldenCase(file, c.name), (x, w, b) => conv2d(x, w, p.bias ? b : null, options));
    });
  }
});

describe(`conv2d memory (${platformName})`, () => {
  it('forward and backward free every intermediate buffer', async () => {
    const eng = await useEngine();
    await eng.sync();
    const before = eng.pool.snapshot().liveBytes;
    await tidyAsync(async () => {
      const x = tensor(randomArray(2 * 4 * 5 * 5, rng(1)), [2, 4, 5, 5]);
      const w = tensor(randomArray(6 * 2 * 3 * 3, rng(2)), [6, 2, 3, 3]);
      const b = tensor(randomArray(6, rng(3)), [6]);
      for (const t of [x, w, b]) t.requiresGrad = true;
      const out = conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 });
      backward(out, tensor(randomArray(out.size, rng(4)), out.shape));
      for (const t of [x, w, b]) t.grad?.dispose();
      await out.data();
    });
    await eng.sync();
    expect(eng.pool.snapshot().liveBytes).toBe(before);
  });
});

describe(`conv2d forward sanity (${platformName})`, () => {
  it('a centred 3x3 delta kernel with padding 1 is the identity', async () => {
    const data = randomArray(2 * 5 * 4, rng(5));
    const delta = new Array(9).fill(0);
    delta[4] = 1;
    await tidyAsync(async () => {
      const x = tensor(data, [1, 2, 5, 4]);
      const w = tensor([...delta, ...new Array(9).fill(0), ...new Array(9).fill(0), ...delta], [2, 2, 3, 3]);
      expectClose(await conv2d(x, w, null, { padding: 1 }).data(), data);
    });
  });
});
