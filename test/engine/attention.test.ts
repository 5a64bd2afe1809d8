import { beforeAll, describe, expect, it } from 'vitest';
import {
  ShapeError,
  attention,
  attentionUnfused,
  contiguous,
  permute,
  reshape,
  select,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import { attentionReference } from '../../shaders/attention/reference.js';
import { closeTo, expectClose, platformName, rng, useEngine } from '../util/engine.js';
import {
  type AttnProblem,
  decoderMask,
  f32Array,
  randomProblem,
  randomTerm,
  refInput,
  run,
  swinShiftMask,
  upload,
} from './attention-cases.js';

const TOL = { atol: 2e-5, rtol: 2e-4 };

beforeAll(async () => {
  await useEngine();
});

/** Fused (and unfused) output of a problem against the float64 reference. */
async function checkForward(
  p: AttnProblem,
  options: { keySplits?: number; unfused?: boolean } = {},
): Promise<void> {
  const expected = attentionReference(refInput(p)).out;
  await tidyAsync(async () => {
    const u = upload(p);
    const fused = await run(u, p, options.keySplits ? { keySplits: options.keySplits } : {}).data();
    expect(Array.from(fused).every(Number.isFinite)).toBe(true);
    expectClose(fused, expected, TOL);
    if (options.unfused) expectClose(await run(u, p, { implementation: 'unfused' }).data(), expected, TOL);
  });
}

describe(`fused attention forward (${platformName})`, () => {
  const random = rng(101);

  it('Swin windows: relative bias [1,H,L,L] + shift mask [nW,1,L,L] by window = b mod nW', async () => {
    // 2 images of an 8x8 map, 4x4 windows shifted by 2: nW = 4, B = 8 windows, L = 16.
    const shift = swinShiftMask(8, 8, 4, 2);
    expect(shift.shape).toEqual([4, 1, 16, 16]);
    // Window 0 has one region (no -100); the last window has four.
    expect(shift.data.slice(0, 256).every((x) => x === 0)).toBe(true);
    expect(new Set(shift.data.slice(3 * 256)).size).toBe(2);
    const p = randomProblem(random, { B: 8, H: 3, Lq: 16, Lk: 16, D: 4, Dv: 4 });
    p.terms = [randomTerm(random, [1, 3, 16, 16]), shift];
    await tidyAsync(async () => {
      const u = upload(p);
      const out = await run(u, p, { biasBatchModulo: true }).data();
      expectClose(out, attentionReference(refInput(p)).out, TOL);
      expectClose(await run(u, p, { biasBatchModulo: true, kernels: 'tiled' }).data(), out, TOL);
      expectClose(await run(u, p, { biasBatchModulo: true, implementation: 'unfused' }).data(), out, TOL);
      // Window b reads mask b mod nW: the same as the mask tiled once per image, [8, 1, 16, 16]...
      const tiled = tensor([...shift.data, ...shift.data], [8, 1, 16, 16]);
      expectClose(await attention(u.q, u.k, u.v, { bias: [u.terms[0]!, tiled] }).data(), out, TOL);
      // ... and not the same as each mask repeated per image (b / images).
      const block = 256;
      const repeated = shift.data.flatMap((_, i) =>
        i % block === 0 ? [...shift.data.slice(i, i + block), ...shift.data.slice(i, i + block)] : [],
      );
      const wrong = await attention(u.q, u.k, u.v, {
        bias: [u.terms[0]!, tensor(repeated, [8, 1, 16, 16])],
      }).data();
      expect(closeTo(wrong, out, TOL)).not.toBeNull();
    });
  });

  it('Mask2Former cross-attention: bool mask [B·H, Q, HW], fully blocked rows attend everywhere', async () => {
    const dims = { B: 2, H: 2, Lq: 10, Lk: 70, D: 4, Dv: 4 };
    const p = randomProblem(random, dims);
    p.mask = decoderMask(random, dims, 0.7, [
      [0, 3],
      [3, 9],
    ]);
    await checkForward(p, { unfused: true });
    // A fully blocked row equals the row computed with no mask at all (independent of the rule's
    // implementation: the reference without a mask).
    const noMask = attentionReference(refInput({ ...p, mask: undefined })).out;
    const out = await tidyAsync(async () => run(upload(p), p, { kernels: 'tiled' }).data());
    const rowOf = (bh: number, i: number) => (bh * dims.Lq + i) * dims.Dv;
    for (const [bh, i] of [
      [0, 3],
      [3, 9],
    ] as const) {
      const r = rowOf(bh, i);
      expectClose(out.slice(r, r + dims.Dv), noMask.slice(r, r + dims.Dv), TOL);
    }
    // ... and a partly blocked row does not.
    const r = rowOf(1, 0);
    expect(Math.abs(out[r]! - noMask[r]!)).toBeGreaterThan(1e-4);
  });

  it('i32 masks, [B, Q, HW] masks (shared by heads) and 4-D masks', async () => {
    const dims = { B: 2, H: 3, Lq: 5, Lk: 21, D: 4, Dv: 4 };
    const p = randomProblem(random, dims);
    p.mask = { ...decoderMask(random, dims, 0.5, [[4, 2]]), dtype: 'i32' };
    await checkForward(p);
    const perBatch = decoderMask(random, { ...dims, H: 1 }, 0.5, [[1, 4]]);
    await checkForward({ ...p, mask: { ...perBatch, shape4: [2, 1, 5, 21] } });
    await checkForward({ ...p, mask: { ...perBatch, shape: [2, 1, 5, 21], shape4: [2, 1, 5, 21] } });
  });

  it('splitting the keys over workgroups gives the same rows, fully blocked rows included', async () => {
    const dims = { B: 1, H: 2, Lq: 9, Lk: 150, D: 4, Dv: 4 };
    const p = randomProblem(random, dims);
    p.mask = decoderMask(random, dims, 0.9, [[0, 0]]);
    // Row (1, 5) is blocked except one key in the last split: the earlier splits saw no
    // unblocked key and must be dropped in the merge.
    const row = (1 * dims.Lq + 5) * dims.Lk;
    p.mask.data.fill(1, row, row + dims.Lk);
    p.mask.data[row + 149] = 0;
    p.terms = [randomTerm(random, [1, 2, 9, 150])];
    for (const keySplits of [2, 5]) await checkForward(p, { keySplits });
  });

  it('additive f32 masks, -inf bias entries, and rows whose logits are all -inf give 0', async () => {
    const dims = { B: 1, H: 2, Lq: 6, Lk: 19, D: 4, Dv: 4 };
    const p = randomProblem(random, dims);
    const bias = randomTerm(random, [2, 6, 19]);
    bias.data.forEach((_, i) => {
      if (random() < 0.3) bias.data[i] = -Infinity;
    });
    bias.data.fill(-Infinity, 2 * 19, 3 * 19); // head 0, row 2: every logit -inf
    p.terms = [bias];
    const add = randomTerm(random, [6, 19], -3, 0);
    add.data.forEach((_, i) => {
      if (random() < 0.4) add.data[i] = -Infinity;
    });
    add.data.fill(-Infinity, 4 * 19, 5 * 19); // row 4: the mask blocks every key -> ignored
    p.mask = { ...add, dtype: 'f32' };
    const expected = attentionReference(refInput(p)).out;
    expect(Array.from(expected.slice(2 * 4, 3 * 4))).toEqual(new Array(4).fill(0));
    await checkForward(p, { unfused: true });
    await checkForward(p, { keySplits: 2 });
  });

  it('Lq ≠ Lk, head dims that are not multiples of 4, custom scale, per-key bias', async () => {
    const p = randomProblem(random, { B: 2, H: 2, Lq: 7, Lk: 23, D: 5, Dv: 7 }, 0.41);
    p.terms = [randomTerm(random, [1, 1, 1, 23])];
    await checkForward(p, { unfused: true });
  });

  it('head dims 32 and 64 (8 lanes per row, two vec4 columns per lane at 64)', async () => {
    for (const D of [32, 64]) {
      const p = randomProblem(random, { B: 1, H: 2, Lq: 9, Lk: 33, D, Dv: D }, undefined, 0.8);
      p.terms = [randomTerm(random, [1, 2, 9, 33])];
      await checkForward(p);
    }
  });

  it('reads q/k/v split from a fused qkv projection in place; writes the blhd layout', async () => {
    const [B, L, H, D] = [2, 11, 3, 4];
    const qkv = f32Array(B * L * 3 * H * D, random);
    await tidyAsync(async () => {
      const t = tensor(qkv, [B, L, 3, H, D]);
      const [q, k, v] = [0, 1, 2].map((s) => permute(select(t, 2, s), [0, 2, 1, 3]));
      expect(q!.isContiguous()).toBe(false);
      const [qd, kd, vd] = await Promise.all([q, k, v].map((x) => contiguous(x!).data()));
      const expected = attentionReference({
        dims: { B, H, Lq: L, Lk: L, D, Dv: D },
        q: qd!,
        k: kd!,
        v: vd!,
        scale: 1 / Math.sqrt(D),
      }).out;
      expectClose(await attention(q!, k!, v!).data(), expected, TOL);
      const blhd = attention(q!, k!, v!, { outputLayout: 'blhd' });
      expect(blhd.shape).toEqual([B, H, L, D]);
      const merged = permute(blhd, [0, 2, 1, 3]);
      expect(merged.isContiguous()).toBe(true);
      expectClose(await blhd.data(), expected, TOL);
      const unf = attention(q!, k!, v!, { outputLayout: 'blhd', implementation: 'unfused' });
      expect(permute(unf, [0, 2, 1, 3]).isContiguous()).toBe(true);
      expectClose(await unf.data(), expected, TOL);
    });
  });

  it('empty dims: no queries, no keys', async () => {
    await tidyAsync(async () => {
      const q = tensor([], [1, 2, 0, 4]);
      const k = tensor(f32Array(24, random), [1, 2, 3, 4]);
      expect(attention(q, k, k).shape).toEqual([1, 2, 0, 4]);
      const q2 = tensor(f32Array(24, random), [1, 2, 3, 4]);
      const none = tensor([], [1, 2, 0, 4]);
      expect(Array.from(await attention(q2, none, none).data())).toEqual(new Array(24).fill(0));
      expect(Array.from(await attentionUnfused(q2, none, none).data())).toEqual(new Array(24).fill(0));
    });
  });

  it('rejects shapes that do not fit, naming them', async () => {
    await tidyAsync(async () => {
      const q = tensor(f32Array(2 * 3 * 4 * 8, random), [2, 3, 4, 8]);
      const k = tensor(f32Array(2 * 3 * 5 * 8, random), [2, 3, 5, 8]);
      expect(() => attention(q, q, k)).toThrow(ShapeError);
      expect(() => attention(q, reshape(k, [2, 3, 8, 5]), k)).toThrow(/k must be/);
      expect(() => attention(q, k, k, { bias: tensor(f32Array(4 * 5, random), [4, 5, 1]) })).toThrow(/bias/);
      // [3, ...] does not divide B = 2 windows; [1, ...] with modulo is fine.
      const three = tensor(f32Array(3 * 20, random), [3, 1, 4, 5]);
      expect(() => attention(q, k, k, { bias: three, biasBatchModulo: true })).toThrow(/divisor of 2/);
      expect(() => attention(q, k, k, { bias: [three, three, three] })).toThrow(/at most two/);
      expect(() => attention(q, k, k, { mask: tensor(new Array(7 * 20).fill(0), [7, 4, 5], 'u32') })).toThrow(
        /mask/,
      );
    });
  });
});
