import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, attention, backward, permute, select, tensor, tidyAsync } from '../../engine/index.js';
import {
  type AttentionRefInput,
  attentionBackwardReference,
  attentionReference,
} from '../../shaders/attention/reference.js';
import { numericalVjp } from '../util/gradcheck.js';
import { checkOp } from '../util/gradcheck.js';
import golden from '../fixtures/golden/attention.json';
import { type GoldenFile, checkGolden, goldenCase } from '../util/golden.js';
import { expectClose, platformName, rng, useEngine } from '../util/engine.js';
import {
  type AttnProblem,
  type Shape4,
  decoderMask,
  f32Array,
  randomProblem,
  randomTerm,
  refInput,
  run,
  swinShiftMask,
  upload,
} from './attention-cases.js';

const GRAD_TOL = { atol: 5e-5, rtol: 5e-4 };
const file = golden as GoldenFile;

beforeAll(async () => {
  await useEngine();
});

/** The reference as a function of (q, k, v, ...terms) for finite differences. */
function refOf(p: AttnProblem): (xs: Float64Array[]) => Float64Array {
  return ([q, k, v, ...terms]) =>
    attentionReference({
      ...refInput(p),
      q: q!,
      k: k!,
      v: v!,
      terms: p.terms.map((t, i) => ({ data: terms[i]!, shape: t.shape4 })),
    }).out;
}

function gradInputs(p: AttnProblem) {
  const { B, H, Lq, Lk, D, Dv } = p.dims;
  return [
    { data: p.q, shape: [B, H, Lq, D] },
    { data: p.k, shape: [B, H, Lk, D] },
    { data: p.v, shape: [B, H, Lk, Dv] },
    ...p.terms.map((t) => ({ data: t.data, shape: t.shape })),
  ];
}

/** Both fused kernel families: tiled (GPUs) and rowwise (CPU adapters). */
const FAMILIES = ['tiled', 'rowwise'] as const;

/** Backward with a random cotangent, both kernel families, against the analytic reference. */
async function gradsVsReference(
  p: AttnProblem,
  seed: number,
  options: { biasBatchModulo?: boolean; keySplits?: number } = {},
) {
  const random = rng(seed);
  const { B, H, Lq, Dv } = p.dims;
  const cot = f32Array(B * H * Lq * Dv, random);
  const expected = attentionBackwardReference(refInput(p), cot);
  for (const kernels of FAMILIES)
    await tidyAsync(async () => {
      const u = upload(p);
      const leaves: Tensor[] = [u.q, u.k, u.v, ...u.terms];
      for (const t of leaves) t.requiresGrad = true;
      const out = run(u, p, { ...options, kernels });
      backward(out, tensor(cot, out.shape));
      expectClose(await u.q.grad!.data(), expected.dq, GRAD_TOL);
      expectClose(await u.k.grad!.data(), expected.dk, GRAD_TOL);
      expectClose(await u.v.grad!.data(), expected.dv, GRAD_TOL);
      for (let i = 0; i < u.terms.length; i++) {
        expect(u.terms[i]!.grad!.shape).toEqual(p.terms[i]!.shape);
        expectClose(await u.terms[i]!.grad!.data(), expected.dterms[i]!, GRAD_TOL);
      }
    });
}

describe(`fused attention backward (${platformName})`, () => {
  const random = rng(202);

  it('the analytic float64 backward reference matches finite differences (CPU only)', () => {
    const p = randomProblem(random, { B: 2, H: 1, Lq: 3, Lk: 4, D: 3, Dv: 2 });
    p.terms = [randomTerm(random, [1, 1, 3, 4]), randomTerm(random, [2, 1, 1, 4])];
    p.mask = decoderMask(random, p.dims, 0.5, [[1, 2]]);
    const cot = f32Array(2 * 3 * 2, random);
    const analytic = attentionBackwardReference(refInput(p), cot);
    const xs = [p.q, p.k, p.v, ...p.terms.map((t) => t.data)];
    const numeric = numericalVjp(
      refOf(p),
      xs,
      cot,
      xs.map(() => true),
    );
    const got = [analytic.dq, analytic.dk, analytic.dv, ...analytic.dterms];
    got.forEach((g, i) => expectClose(g, numeric[i]!, { atol: 1e-7, rtol: 1e-6 }));
  });

  it('q, k, v and a learned bias [1,H,Lq,Lk] match finite differences', async () => {
    const p = randomProblem(random, { B: 1, H: 2, Lq: 3, Lk: 5, D: 4, Dv: 4 });
    p.terms = [randomTerm(random, [1, 2, 3, 5])];
    for (const kernels of FAMILIES) {
      await checkOp({
        inputs: gradInputs(p),
        op: (q, k, v, b) => attention(q!, k!, v!, { bias: b!, kernels }),
        ref: refOf(p),
      });
    }
  });

  it('Swin: relative bias and per-window term (b mod nW) gradients sum over windows', async () => {
    const p = randomProblem(random, { B: 4, H: 2, Lq: 4, Lk: 4, D: 4, Dv: 4 });
    p.terms = [randomTerm(random, [1, 2, 4, 4]), randomTerm(random, [2, 1, 4, 4])];
    for (const kernels of FAMILIES) {
      await checkOp({
        inputs: gradInputs(p),
        op: (q, k, v, rel, win) =>
          attention(q!, k!, v!, { bias: [rel!, win!], biasBatchModulo: true, kernels }),
        ref: refOf(p),
      });
    }
  });

  it('boolean mask with a fully blocked row, head dims 5 and 7', async () => {
    const p = randomProblem(random, { B: 1, H: 2, Lq: 3, Lk: 6, D: 5, Dv: 7 });
    p.mask = decoderMask(random, p.dims, 0.5, [[1, 1]]);
    for (const kernels of FAMILIES) {
      await checkOp({
        inputs: [...gradInputs(p), { data: p.mask!.data, shape: p.mask!.shape, dtype: 'u32', grad: false }],
        op: (q, k, v, m) => attention(q!, k!, v!, { mask: m!, kernels }),
        ref: refOf(p),
      });
    }
  });

  it('decoder cross-attention (Lk = 70, masked, fully blocked rows) vs the analytic reference', async () => {
    const p = randomProblem(random, { B: 2, H: 2, Lq: 10, Lk: 70, D: 4, Dv: 4 });
    p.mask = decoderMask(random, p.dims, 0.7, [
      [0, 3],
      [3, 9],
    ]);
    await gradsVsReference(p, 1);
    // The tiled dQ split over keys (partial sums), with a bias whose gradient needs dS.
    p.terms = [randomTerm(random, [1, 2, 10, 70])];
    await gradsVsReference(p, 3, { keySplits: 3 });
  });

  it('Swin windows (rel bias + shift mask) vs the analytic reference, bias grads included', async () => {
    const p = randomProblem(random, { B: 8, H: 3, Lq: 16, Lk: 16, D: 4, Dv: 4 });
    p.terms = [randomTerm(random, [1, 3, 16, 16]), swinShiftMask(8, 8, 4, 2)];
    await gradsVsReference(p, 2, { biasBatchModulo: true });
  });

  it('rows whose logits are all -inf get zero gradients (no NaN)', async () => {
    const p = randomProblem(random, { B: 1, H: 2, Lq: 4, Lk: 9, D: 4, Dv: 4 });
    const bias = randomTerm(random, [1, 2, 4, 9]);
    bias.data.fill(-Infinity, 9, 18); // head 0, row 1
    bias.data[40] = -Infinity;
    p.terms = [bias];
    const cot = f32Array(2 * 4 * 4, random);
    const expected = attentionBackwardReference(refInput(p), cot);
    expect(Array.from(expected.dq.slice(4, 8))).toEqual(new Array(4).fill(0));
    for (const kernels of FAMILIES)
      await tidyAsync(async () => {
        const u = upload(p);
        for (const t of [u.q, u.k, u.v, ...u.terms]) t.requiresGrad = true;
        const out = run(u, p, { kernels });
        backward(out, tensor(cot, out.shape));
        const dq = await u.q.grad!.data();
        expect(Array.from(dq).every(Number.isFinite)).toBe(true);
        expectClose(dq, expected.dq, GRAD_TOL);
        expectClose(await u.k.grad!.data(), expected.dk, GRAD_TOL);
        expectClose(await u.terms[0]!.grad!.data(), expected.dterms[0]!, GRAD_TOL);
      });
  });

  it('computes only the gradients asked for', async () => {
    const p = randomProblem(random, { B: 1, H: 2, Lq: 5, Lk: 7, D: 4, Dv: 4 });
    p.terms = [randomTerm(random, [2, 5, 7])];
    const cot = f32Array(2 * 5 * 4, random);
    const expected = attentionBackwardReference(refInput(p), cot);
    for (const which of ['v', 'bias', 'q'] as const) {
      await tidyAsync(async () => {
        const u = upload(p);
        const leaf = which === 'v' ? u.v : which === 'q' ? u.q : u.terms[0]!;
        leaf.requiresGrad = true;
        const out = run(u, p, { kernels: which === 'q' ? 'tiled' : 'rowwise' });
        backward(out, tensor(cot, out.shape));
        const want = which === 'v' ? expected.dv : which === 'q' ? expected.dq : expected.dterms[0]!;
        expectClose(await leaf.grad!.data(), want, GRAD_TOL);
        for (const other of [u.q, u.k, u.v, u.terms[0]!]) if (other !== leaf) expect(other.grad).toBeNull();
      });
    }
  });

  it('fused and unfused gradients agree through q/k/v split from one qkv tensor', async () => {
    const [B, L, H, D] = [2, 9, 2, 4];
    const data = f32Array(B * L * 3 * H * D, random);
    const cot = f32Array(B * H * L * D, random);
    const relData = f32Array(H * L * L, random);
    const grads: Float32Array[][] = [];
    for (const implementation of ['fused', 'unfused'] as const) {
      await tidyAsync(async () => {
        const qkv = tensor(data, [B, L, 3, H, D]);
        const rel = tensor(relData, [H, L, L]);
        qkv.requiresGrad = true;
        rel.requiresGrad = true;
        const [q, k, v] = [0, 1, 2].map((s) => permute(select(qkv, 2, s), [0, 2, 1, 3]));
        const out = attention(q!, k!, v!, { bias: rel, implementation });
        backward(out, tensor(cot, out.shape));
        grads.push([(await qkv.grad!.data()) as Float32Array, (await rel.grad!.data()) as Float32Array]);
      });
    }
    expectClose(grads[0]![0]!, grads[1]![0]!, GRAD_TOL);
    expectClose(grads[0]![1]!, grads[1]![1]!, GRAD_TOL);
    // And against the reference on the dense q/k/v (q = qkv[:, :, 0] transposed, ...).
    const pick = (s: number) => {
      const out: number[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let l = 0; l < L; l++)
            for (let d = 0; d < D; d++) out.push(data[(((b * L + l) * 3 + s) * H + h) * D + d]!);
      return out;
    };
    const input: AttentionRefInput = {
      dims: { B, H, Lq: L, Lk: L, D, Dv: D },
      q: pick(0),
      k: pick(1),
      v: pick(2),
      scale: 1 / Math.sqrt(D),
      terms: [{ data: relData, shape: [1, H, L, L] as Shape4 }],
    };
    const expected = attentionBackwardReference(input, cot);
    expectClose(grads[0]![1]!, expected.dterms[0]!, GRAD_TOL);
    const dq = grads[0]![0]!;
    const dqOf = (s: number) => {
      const out: number[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++)
          for (let l = 0; l < L; l++)
            for (let d = 0; d < D; d++) out.push(dq[(((b * L + l) * 3 + s) * H + h) * D + d]!);
      return out;
    };
    expectClose(dqOf(0), expected.dq, GRAD_TOL);
    expectClose(dqOf(1), expected.dk, GRAD_TOL);
    expectClose(dqOf(2), expected.dv, GRAD_TOL);
  });

  it('golden values from PyTorch (forward and gradients)', async () => {
    for (const kernels of FAMILIES) {
      await checkGolden(goldenCase(file, 'swin_window_bias_and_shift_mask'), (q, k, v, rel, mask) =>
        attention(q!, k!, v!, { bias: [rel!, mask!], biasBatchModulo: true, kernels }),
      );
      await checkGolden(goldenCase(file, 'decoder_bool_mask_fully_masked_rows'), (q, k, v, mask) =>
        attention(q!, k!, v!, { mask: mask!, kernels }),
      );
      await checkGolden(goldenCase(file, 'odd_dims_key_bias_custom_scale'), (q, k, v, b) =>
        attention(q!, k!, v!, { bias: b!, scale: 0.37, kernels }),
      );
      await checkGolden(goldenCase(file, 'additive_mask_per_batch'), (q, k, v, m) =>
        attention(q!, k!, v!, { mask: m!, scale: 0.5, kernels }),
      );
    }
  });
});
