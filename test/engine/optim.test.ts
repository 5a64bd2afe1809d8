import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  type LrSchedule,
  type Optimizer,
  type ParamGroupSpec,
  SGD,
  type Tensor,
  clipGradNorm,
  gradNormScale,
  keep,
  lrFactorAt,
  parameter,
  safetensorsToTensors,
  tensor,
  tensorsToSafetensors,
  tidy,
  tidyAsync,
  writeInto,
} from '../../engine/index.js';
import { forceReducePolicy } from '../../engine/ops/reduce-policy.js';
import { adamwReference } from '../../shaders/optim/adamw.js';
import { sgdReference } from '../../shaders/optim/sgd.js';
import { clipReference } from '../../shaders/optim/clip.js';
import golden from '../fixtures/golden/optim.json';
import { expectClose, platformName, randomArray, rng, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

interface GoldenTrajectory {
  name: string;
  baseLr: number;
  clip: number | null;
  options: {
    betas?: number[];
    eps?: number;
    weightDecay?: number;
    momentum?: number;
    nesterov?: boolean;
    schedule?: LrSchedule;
  };
  groups: { params: string[]; lrMultiplier: number; weightDecay?: number }[];
  initial: Record<string, { shape: number[]; data: number[] }>;
  steps: {
    lrFactor: number;
    grads: Record<string, number[] | null>;
    params: Record<string, number[]>;
    totalNorm?: number;
  }[];
}

const cases = golden.cases as unknown as GoldenTrajectory[];

function makeParams(initial: GoldenTrajectory['initial']): Map<string, Tensor> {
  const params = new Map<string, Tensor>();
  for (const [name, v] of Object.entries(initial)) {
    params.set(name, parameter(keep(tensor(v.data, v.shape)), name));
  }
  return params;
}

function makeOptimizer(c: GoldenTrajectory, params: Map<string, Tensor>): Optimizer {
  const groups: ParamGroupSpec[] = c.groups.map((g) => ({
    params: g.params.map((n) => params.get(n)!),
    lrMultiplier: g.lrMultiplier,
    ...(g.weightDecay !== undefined ? { weightDecay: g.weightDecay } : {}),
  }));
  const o = c.options;
  if (c.name.startsWith('adamw')) {
    return new AdamW(groups, {
      lr: c.baseLr,
      betas: [o.betas![0]!, o.betas![1]!],
      eps: o.eps!,
      weightDecay: o.weightDecay!,
      maxGradNorm: c.clip,
    });
  }
  return new SGD(groups, {
    lr: c.baseLr,
    momentum: o.momentum ?? 0,
    weightDecay: o.weightDecay ?? 0,
    nesterov: o.nesterov ?? false,
    maxGradNorm: c.clip,
  });
}

function setGrads(params: Map<string, Tensor>, grads: Record<string, number[] | null>): void {
  for (const [name, p] of params) {
    p.grad?.dispose();
    const g = grads[name];
    p.grad = g ? keep(tensor(g, p.shape)) : null;
  }
}

function disposeAll(params: Map<string, Tensor>, opt: Optimizer): void {
  opt.zeroGrad();
  opt.dispose();
  for (const p of params.values()) p.dispose();
}

describe(`optimizers vs torch.optim trajectories (${platformName})`, () => {
  for (const c of cases) {
    it(c.name, async () => {
      const params = makeParams(c.initial);
      const opt = makeOptimizer(c, params);
      for (let it = 0; it < c.steps.length; it++) {
        const s = c.steps[it]!;
        if (c.options.schedule) expect(lrFactorAt(it, c.options.schedule)).toBeCloseTo(s.lrFactor, 12);
        opt.lr = c.baseLr * s.lrFactor;
        setGrads(params, s.grads);
        await tidyAsync(async () => {
          const norm = opt.step();
          if (s.totalNorm !== undefined) expectClose([await norm!.item()], [s.totalNorm], { rtol: 1e-5 });
          else expect(norm).toBeNull();
        });
        for (const [name, p] of params) {
          try {
            expectClose(await p.data(), s.params[name]!, { atol: 2e-6, rtol: 1e-5 });
          } catch (err) {
            throw new Error(`${c.name} step ${it} ${name}: ${(err as Error).message}`);
          }
        }
      }
      disposeAll(params, opt);
    });
  }
});

describe(`optimizer kernels vs the float64 reference (${platformName})`, () => {
  it('AdamW on vec4 and odd sizes, with a clip scale', async () => {
    const random = rng(3);
    for (const n of [1000, 1003, 1]) {
      const p0 = randomArray(n, random);
      const grads = [randomArray(n, random, -3, 3), randomArray(n, random)];
      const p = parameter(keep(tensor(p0, [n])), `p${n}`);
      const opt = new AdamW([p], { lr: 0.01, weightDecay: 0.1, maxGradNorm: 5 });
      let ref: [number[], number[], number[]] = [p0, new Array(n).fill(0), new Array(n).fill(0)];
      const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
      for (let step = 1; step <= grads.length; step++) {
        const g = grads[step - 1]!;
        p.grad?.dispose();
        p.grad = keep(tensor(g, [n]));
        await tidyAsync(async () => {
          const norm = opt.step()!;
          const [refNorm, scale] = clipReference([g], 5);
          expectClose([await norm.item()], [refNorm], { rtol: 1e-5 });
          ref = adamwReference(ref[0], g, ref[1], ref[2], h, step, scale);
        });
      }
      expectClose(await p.data(), ref[0], { atol: 1e-6, rtol: 1e-5 });
      const state = opt.stateTensors();
      expectClose(await state.get(`p${n}.exp_avg`)!.data(), ref[1], { atol: 1e-6, rtol: 1e-5 });
      expectClose(await state.get(`p${n}.exp_avg_sq`)!.data(), ref[2], { atol: 1e-7, rtol: 1e-5 });
      expect(await state.get(`p${n}.step`)!.item()).toBe(2);
      state.get(`p${n}.step`)!.dispose();
      opt.zeroGrad();
      expect(p.grad).toBeNull();
      opt.dispose();
      p.dispose();
    }
  });

  it('SGD with momentum on odd sizes', async () => {
    const random = rng(4);
    const n = 37;
    const p0 = randomArray(n, random);
    const p = parameter(keep(tensor(p0, [n])), 'p');
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 });
    const h = { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false };
    let ref: [number[], number[] | null] = [p0, null];
    for (let step = 0; step < 3; step++) {
      const g = randomArray(n, random);
      p.grad?.dispose();
      p.grad = keep(tensor(g, [n]));
      opt.step();
      ref = sgdReference(ref[0], g, ref[1], h);
    }
    expectClose(await p.data(), ref[0], { atol: 1e-6, rtol: 1e-5 });
    const grad = p.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBe(grad);
    expect(Array.from(await grad.data())).toEqual(new Array(n).fill(0));
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    opt.dispose();
    p.dispose();
  });
});

// Both sum-of-squares variants on any adapter: 'gpu' (workgroup reductions, one partial per
// workgroup) and 'cpu' (serial: one partial per invocation, no barriers).
describe.each(['gpu', 'cpu'] as const)(`gradient clipping (${platformName}, %s policy)`, (policy) => {
  beforeAll(() => forceReducePolicy(policy));
  afterAll(() => forceReducePolicy(null));

  it('the global norm of many gradients of mixed sizes (several per dispatch, several workgroups each)', async () => {
    const random = rng(6);
    // 37 gradients: vec4-able and odd sizes interleaved, more than one dispatch's worth of each
    // kind; 300000 (vec4) and 70001 (scalar) take several workgroups in both variants.
    const sizes = Array.from({ length: 35 }, (_, i) => (i % 3 === 0 ? 4 * (i + 1) : 2 * i + 1));
    sizes.push(300_000, 70_001);
    const grads = sizes.map((n) => randomArray(n, random, -0.05, 0.05));
    const params = sizes.map((n, i) => {
      const p = parameter(keep(tensor(new Array(n).fill(0), [n])), `m${i}`);
      p.grad = keep(tensor(grads[i]!, [n]));
      return p;
    });
    // A parameter without a gradient is skipped.
    params.push(parameter(keep(tensor([1, 2, 3], [3])), 'nograd'));
    const [norm, scale] = clipReference(grads, 2);
    expect(scale).toBeLessThan(1);
    await tidyAsync(async () => {
      const { totalNorm, scale: s } = gradNormScale(params, 2);
      expectClose([await totalNorm.item()], [norm], { atol: 0, rtol: 1e-5 });
      expectClose([await s.item()], [scale], { atol: 0, rtol: 1e-5 });
    });
    for (const p of params) {
      p.grad?.dispose();
      p.dispose();
    }
  });

  it('clipGradNorm scales gradients in place by min(1, max/(norm+1e-6))', async () => {
    const random = rng(5);
    const sizes = [5000, 3, 64, 0];
    const grads = sizes.map((n) => randomArray(n, random));
    const params = sizes.map((n, i) => {
      const p = parameter(keep(tensor(new Array(n).fill(0), [n])), `q${i}`);
      p.grad = keep(tensor(grads[i]!, [n]));
      return p;
    });
    const [norm, scale] = clipReference(grads, 1.5);
    expect(scale).toBeLessThan(1);
    await tidyAsync(async () => {
      const total = clipGradNorm(params, 1.5);
      expectClose([await total.item()], [norm], { rtol: 1e-5 });
    });
    for (let i = 0; i < sizes.length; i++) {
      expectClose(
        await params[i]!.grad!.data(),
        grads[i]!.map((v) => v * scale),
        { atol: 1e-7, rtol: 1e-5 },
      );
    }
    // Below the limit nothing changes.
    await tidyAsync(async () => {
      const { scale: s } = gradNormScale(params, 1e6);
      expect(await s.item()).toBe(1);
    });
    for (const p of params) {
      p.grad!.dispose();
      p.dispose();
    }
  });

  it('gives a zero norm when no parameter has a gradient', async () => {
    await tidyAsync(async () => {
      const p = tensor([1, 2], [2]);
      const { totalNorm, scale } = gradNormScale([p], 1);
      expect(await totalNorm.item()).toBe(0);
      expect(await scale.item()).toBe(1);
    });
  });
});

describe(`optimizer state (${platformName})`, () => {
  it('save, safetensors round trip and load continue the same trajectory', async () => {
    const random = rng(9);
    const shapes = [[6, 4], [5]];
    const init = shapes.map((s) => randomArray(s[0]! * (s[1] ?? 1), random));
    const grads = Array.from({ length: 4 }, () =>
      shapes.map((s) => randomArray(s[0]! * (s[1] ?? 1), random)),
    );
    const make = () => {
      const ps = shapes.map((s, i) => parameter(keep(tensor(init[i]!, s)), `m.p${i}`));
      return {
        ps,
        opt: new AdamW([{ params: [ps[0]!] }, { params: [ps[1]!], weightDecay: 0, lrMultiplier: 0.5 }], {
          lr: 0.05,
        }),
      };
    };
    const run = (ps: Tensor[], opt: Optimizer, from: number, to: number) => {
      for (let k = from; k < to; k++) {
        ps.forEach((p, i) => {
          p.grad?.dispose();
          // The second parameter gets no gradient at step 1: its step count lags behind.
          p.grad = k === 1 && i === 1 ? null : keep(tensor(grads[k]![i]!, p.shape));
        });
        tidy(() => opt.step());
      }
    };
    const straight = make();
    run(straight.ps, straight.opt, 0, 4);

    const first = make();
    run(first.ps, first.opt, 0, 2);
    const bytes = await tidyAsync(() => tensorsToSafetensors(first.opt.stateTensors()));
    const paramBytes = await tensorsToSafetensors(new Map(first.ps.map((p) => [p.name!, p])));
    const second = make();
    await tidyAsync(async () => {
      const { tensors: saved } = safetensorsToTensors(bytes);
      expect([...saved.keys()].sort()).toEqual([
        'm.p0.exp_avg',
        'm.p0.exp_avg_sq',
        'm.p0.step',
        'm.p1.exp_avg',
        'm.p1.exp_avg_sq',
        'm.p1.step',
      ]);
      await second.opt.loadStateTensors(saved);
      const { tensors: ps } = safetensorsToTensors(paramBytes);
      // The fresh parameters take the saved values.
      for (const p of second.ps) writeInto(p, ps.get(p.name!)!);
    });
    expect(second.opt.stepOf(second.ps[0]!)).toBe(2);
    expect(second.opt.stepOf(second.ps[1]!)).toBe(1);
    run(second.ps, second.opt, 2, 4);
    for (let i = 0; i < shapes.length; i++) {
      expect(Array.from(await second.ps[i]!.data())).toEqual(Array.from(await straight.ps[i]!.data()));
    }
    await expect(
      tidyAsync(() => second.opt.loadStateTensors(new Map([['nope.step', tensor([1], [], 'i32')]]))),
    ).rejects.toThrow(/no parameter for nope.step/);
    await expect(
      tidyAsync(() =>
        second.opt.loadStateTensors(
          new Map([
            ['m.p1.step', tensor([1], [], 'i32')],
            ['m.p1.exp_avg', tensor([1, 2], [2])],
            ['m.p1.exp_avg_sq', tensor([1, 2], [2])],
          ]),
        ),
      ),
    ).rejects.toThrow(/'m.p1.exp_avg' is f32\[2\], the parameter is f32\[5\]/);
    for (const r of [straight, first, second]) {
      r.opt.zeroGrad();
      r.opt.dispose();
      r.ps.forEach((p) => p.dispose());
    }
  });
});
