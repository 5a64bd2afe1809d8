/**
 * Mask2Former's public API around the network: the official parameter names (Swin-T and cpu-tiny
 * against model/checkpoint's list of the official state_dict), strict checkpoint loading, input
 * checks, the training step on images without objects and its NaN/Inf check, and the instance
 * inference against an independent float64 derivation of the postprocessing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, fillInPlace, randn, tensor, tidy, tidyAsync, zeros } from '../../engine/index.js';
import { officialParameterNames } from '../../model/checkpoint/index.js';
import {
  Mask2Former,
  type Mask2FormerOptions,
  NonFiniteLossError,
  type TrainBatch,
  disposeTrainStepResult,
  instanceInference,
  mask2formerFromConfig,
  readTrainStepValues,
  trainStep,
} from '../../model/mask2former/index.js';
import { SetCriterion } from '../../model/mask2former/criterion/index.js';
import { StateDictError, type StateValue } from '../../model/nn/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { decodeMask, decompressRle } from '../../pointvis/rle/index.js';
import { buildOptimizer } from '../../pointvis/train/param-groups.js';
import { useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

/** The smallest model with the whole structure (4 Swin stages, 3 encoder levels, 3 decoder layers). */
function tinyOptions(overrides: Partial<Mask2FormerOptions> = {}): Mask2FormerOptions {
  return {
    numClasses: 4,
    swin: { embedDim: 4, depths: [1, 1, 1, 1], numHeads: [1, 1, 2, 2], windowSize: 7 },
    pixelDecoder: {
      inFeatures: ['res2', 'res3', 'res4', 'res5'],
      transformerInFeatures: ['res3', 'res4', 'res5'],
      convDim: 16,
      maskDim: 16,
      groupNormGroups: 4,
      encoder: { layers: 1, heads: 2, points: 2, ffnDim: 32 },
    },
    decoder: { hiddenDim: 16, numQueries: 6, heads: 2, ffnDim: 32, layers: 3 },
    seed: 5,
    ...overrides,
  };
}

function tinyCriterion(): SetCriterion {
  return new SetCriterion({
    numClasses: 4,
    classWeight: 2,
    maskWeight: 5,
    diceWeight: 5,
    noObjectWeight: 0.1,
    deepSupervision: true,
    numPoints: 32,
    oversampleRatio: 3,
    importanceSampleRatio: 0.75,
    matcher: { classCost: 2, maskCost: 5, diceCost: 5, numPoints: 32 },
    seed: 9,
  });
}

const namesAndShapes = (entries: [string, readonly number[]][]) =>
  entries.map(([n, s]) => `${n} [${s.join(', ')}]`);

describe('parameter names', () => {
  // Same names, same shapes, same order as the official state_dict.
  for (const preset of ['cpu-tiny', 'swin-t']) {
    it(`${preset}: namedParameters() are exactly the official learned entries (names, shapes, order)`, () => {
      const cfg = loadConfigFile(`configs/mask2former/${preset}.yaml`);
      const model = mask2formerFromConfig(cfg);
      const ours = namesAndShapes(model.namedParameters().map(([n, p]) => [n, p.shape]));
      const official = namesAndShapes(officialParameterNames(cfg.model).map((e) => [e.name, e.shape]));
      model.dispose();
      expect(ours.length).toBe(official.length);
      expect(ours).toEqual(official);
      if (preset === 'swin-t') expect(ours.length).toBe(469);
    });
  }
});

describe('strict checkpoint loading', () => {
  it('a checkpoint of another architecture or with missing/extra names is refused, naming them', async () => {
    const model = new Mask2Former(tinyOptions());
    const other = new Mask2Former(
      tinyOptions({ decoder: { ...tinyOptions().decoder, numQueries: 7 }, seed: 6 }),
    );
    const probe = 'sem_seg_head.predictor.class_embed.bias';
    const before = Array.from(await model.stateDict().get(probe)!.data());
    const otherState = new Map<string, StateValue>(other.stateDict());
    expect(() => model.loadStateDict(otherState, { source: 'other.safetensors' })).toThrow(StateDictError);
    expect(() => model.loadStateDict(otherState, { source: 'other.safetensors' })).toThrow(
      /sem_seg_head\.predictor\.query_feat\.weight: model f32\[6,16\], source f32\[7,16\]/,
    );

    const extra = zeros([2]);
    const own = new Map<string, StateValue>(model.stateDict());
    own.delete('backbone.layers.2.blocks.0.attn.relative_position_bias_table');
    own.set('sem_seg_head.predictor.extra.weight', extra);
    let error: unknown = null;
    try {
      model.loadStateDict(own, { source: 'broken.safetensors' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const message = (error as Error).message;
    expect(message).toMatch(/broken\.safetensors/);
    expect(message).toMatch(
      /missing.*\n.*backbone\.layers\.2\.blocks\.0\.attn\.relative_position_bias_table/,
    );
    expect(message).toMatch(/unexpected.*\n.*sem_seg_head\.predictor\.extra\.weight/);
    // Nothing was written by the failed loads; a fitting state loads.
    expect(Array.from(await model.stateDict().get(probe)!.data())).toEqual(before);
    const donor = new Mask2Former(tinyOptions({ seed: 8 }));
    const fitting = new Map<string, StateValue>(donor.stateDict());
    expect(model.loadStateDict(fitting).loaded.length).toBe(model.namedParameters().length);
    expect(Array.from(await model.stateDict().get(probe)!.data())).toEqual(
      Array.from(await (fitting.get(probe) as Tensor).data()),
    );
    donor.dispose();
    extra.dispose();
    model.dispose();
    other.dispose();
  });
});

describe('input checks', () => {
  it('refuses images that are not [B, 3, H, W] with H, W multiples of sizeDivisibility', () => {
    const model = new Mask2Former(tinyOptions());
    tidy(() => {
      expect(() => model.forward(zeros([1, 3, 48, 64]))).toThrow(/multiples of sizeDivisibility 32/);
      expect(() => model.forward(zeros([1, 3, 64, 40]))).toThrow(/H 64 and W 40/);
      expect(() => model.forward(zeros([1, 1, 32, 32]))).toThrow(/\[B ≥ 1, 3, H, W\]/);
      expect(() => model.forward(zeros([3, 32, 32]))).toThrow(/\[B ≥ 1, 3, H, W\]/);
    });
    model.dispose();
  });

  it('refuses a batch whose target masks do not match the padded images', async () => {
    const model = new Mask2Former(tinyOptions());
    const criterion = tinyCriterion();
    const { optimizer } = buildOptimizer(model, solverFor(1e-3));
    const batch: TrainBatch = {
      images: zeros([1, 3, 32, 32]),
      targets: { labels: [[1]], masks: zeros([1, 16, 16]) },
    };
    await expect(trainStep(model, criterion, optimizer, batch, { step: 0 })).rejects.toThrow(
      /target masks f32\[1,16,16\] must be \[ΣT, 32, 32\]/,
    );
    const wrongCount: TrainBatch = {
      images: batch.images,
      targets: { labels: [[1], []], masks: zeros([1, 32, 32]) },
    };
    await expect(trainStep(model, criterion, optimizer, wrongCount, { step: 0 })).rejects.toThrow(
      /2 target lists for 1 images/,
    );
    for (const t of [batch.images, batch.targets.masks, wrongCount.targets.masks]) t.dispose();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  });
});

function solverFor(lr: number) {
  const cfg = loadConfigFile('configs/mask2former/cpu-tiny.yaml');
  return { ...cfg.solver, baseLr: lr };
}

describe('training step', () => {
  it('runs on images without objects (one of two, then all) with finite losses', async () => {
    const model = new Mask2Former(tinyOptions());
    const criterion = tinyCriterion();
    const { optimizer } = buildOptimizer(model, solverFor(1e-3));
    const images = randn([2, 3, 32, 32], { seed: 3 });
    const mask = new Float32Array(32 * 32);
    for (let y = 4; y < 20; y++) for (let x = 6; x < 26; x++) mask[y * 32 + x] = 1;
    const someEmpty: TrainBatch = {
      images,
      targets: { labels: [[2], []], masks: tensor(mask, [1, 32, 32]) },
    };
    const allEmpty: TrainBatch = { images, targets: { labels: [[], []], masks: zeros([0, 32, 32]) } };

    const first = await trainStep(model, criterion, optimizer, someEmpty, { step: 0, read: true });
    const v1 = first.values!;
    expect([...v1.values()].every(Number.isFinite)).toBe(true);
    expect(v1.get('loss_mask')!).toBeGreaterThan(0);
    // Weighted terms (as detectron2 logs them) sum to the loss; 3 layers → 4 supervised predictions.
    const names = [...v1.keys()].filter((n) => n.startsWith('loss_'));
    expect(names.length).toBe(12);
    expect(names.reduce((s, n) => s + v1.get(n)!, 0)).toBeCloseTo(v1.get('loss')!, 4);
    expect(v1.get('grad_norm')!).toBeGreaterThan(0);
    disposeTrainStepResult(first);

    const second = await trainStep(model, criterion, optimizer, allEmpty, { step: 1, read: true });
    const v2 = second.values!;
    expect([...v2.values()].every(Number.isFinite)).toBe(true);
    // Without objects only the no-object classification remains.
    for (const n of names.filter((x) => !x.startsWith('loss_ce'))) expect(v2.get(n)).toBe(0);
    expect(v2.get('loss_ce')!).toBeGreaterThan(0);
    disposeTrainStepResult(second);

    for (const t of [images, someEmpty.targets.masks, allEmpty.targets.masks]) t.dispose();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  });

  it('a non-finite loss is reported with the step and the term, on readback iterations and at the end', async () => {
    const model = new Mask2Former(tinyOptions());
    const criterion = tinyCriterion();
    const { optimizer } = buildOptimizer(model, solverFor(1e-3));
    const batch: TrainBatch = {
      images: randn([1, 3, 32, 32], { seed: 4 }),
      targets: { labels: [[]], masks: zeros([0, 32, 32]) },
    };
    fillInPlace(model.sem_seg_head.predictor.class_embed.bias!, NaN);
    await expect(trainStep(model, criterion, optimizer, batch, { step: 41, read: true })).rejects.toThrow(
      /training step 41: non-finite loss loss_ce_0 = NaN/,
    );
    // Without a readback the step goes through; the end-of-run readback catches it.
    const quiet = await trainStep(model, criterion, optimizer, batch, { step: 42 });
    let error: unknown = null;
    try {
      await readTrainStepValues(quiet);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).step).toBe(42);
    expect((error as NonFiniteLossError).terms).toContain('loss_ce');
    disposeTrainStepResult(quiet);
    batch.images.dispose();
    batch.targets.masks.dispose();
    optimizer.dispose();
    criterion.dispose();
    model.dispose();
  });
});

// ---------------------------------------------------------------- inference, derived in float64

/** torch's bilinear resize, align_corners=False, of a row-major h×w map (float64). */
function resize(src: ArrayLike<number>, ih: number, iw: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow);
  const axis = (o: number, inn: number, outn: number): [number, number, number] => {
    const s = Math.max(((o + 0.5) * inn) / outn - 0.5, 0);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, inn - 1), s - i0];
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, ly] = axis(y, ih, oh);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, lx] = axis(x, iw, ow);
      const v = (r: number, c: number) => src[r * iw + c]!;
      out[y * ow + x] =
        (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
    }
  }
  return out;
}

/** sem_seg_postprocess of one mask: to the padded input, crop, to the output size. */
function postprocess(
  logits: ArrayLike<number>,
  [h, w]: [number, number],
  [ph, pw]: [number, number],
  [ih, iw]: [number, number],
  [oh, ow]: [number, number],
): Float64Array {
  const padded = resize(logits, h, w, ph, pw);
  const cropped = new Float64Array(ih * iw);
  for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) cropped[y * iw + x] = padded[y * pw + x]!;
  return resize(cropped, ih, iw, oh, ow);
}

const softmaxRow = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('instance inference', () => {
  it('top-k class probabilities × mean mask sigmoid, masks resized through the padded input', async () => {
    const [q, k, h, w] = [2, 2, 8, 8];
    const logits = [
      [
        [2, 0, -1],
        [0, 1, 0],
      ],
      [
        [-1, 3, 0],
        [0.5, 0.5, 2],
      ],
    ];
    // Image 0: query 0 left half +5 / right half −5, query 1 all −3 (empty). Image 1: a ramp and a disc.
    const maskData = new Float32Array(2 * q * h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        maskData[(0 * q + 0) * h * w + y * w + x] = x < 4 ? 5 : -5;
        maskData[(0 * q + 1) * h * w + y * w + x] = -3;
        maskData[(1 * q + 0) * h * w + y * w + x] = 0.7 * (x - y) + 0.3;
        maskData[(1 * q + 1) * h * w + y * w + x] = 4 - Math.hypot(x - 3, y - 5);
      }
    }
    const inputSize: [number, number] = [32, 32];
    const images = [
      { imageId: 11, imageSize: [24, 20] as [number, number], outputSize: [48, 40] as [number, number] },
      { imageId: 12, imageSize: [32, 28] as [number, number], outputSize: [17, 15] as [number, number] },
    ];
    const categoryIds = [3, 8];
    const results = await tidyAsync(async () =>
      instanceInference(
        { predLogits: tensor(logits.flat(2), [2, q, k + 1]), predMasks: tensor(maskData, [2, q, h, w]) },
        images,
        inputSize,
        { detectionsPerImage: 3, categoryIds },
      ),
    );

    // Expected, image by image: the 3 best of Q×K class probabilities (ties: lower index first).
    const expected: { imageId: number; category: number; score: number; mask: Uint8Array }[] = [];
    images.forEach((im, b) => {
      const probs = logits[b]!.flatMap((row) => softmaxRow(row).slice(0, k));
      const order = probs
        .map((_, i) => i)
        .sort((a, c) => probs[c]! - probs[a]! || a - c)
        .slice(0, 3);
      for (const i of order) {
        const query = Math.floor(i / k);
        const m = postprocess(
          maskData.subarray((b * q + query) * h * w, (b * q + query + 1) * h * w),
          [h, w],
          inputSize,
          im.imageSize,
          im.outputSize,
        );
        let area = 0;
        let sig = 0;
        const mask = new Uint8Array(m.length);
        m.forEach((v, p) => {
          if (v > 0) {
            mask[p] = 1;
            area++;
            sig += 1 / (1 + Math.exp(-v));
          }
        });
        expected.push({
          imageId: im.imageId,
          category: categoryIds[i % k]!,
          score: probs[i]! * (sig / (area + 1e-6)),
          mask,
        });
      }
    });

    expect(results.length).toBe(expected.length);
    results.forEach((r, j) => {
      const e = expected[j]!;
      expect(r.image_id).toBe(e.imageId);
      expect(r.category_id).toBe(e.category);
      expect(r.score).toBeCloseTo(e.score, 5);
      const [oh, ow] = images[e.imageId - 11]!.outputSize;
      expect(r.segmentation.size).toEqual([oh, ow]);
      const got = decodeMask(decompressRle(r.segmentation));
      let differ = 0;
      got.forEach((v, p) => (differ += v !== e.mask[p] ? 1 : 0));
      expect(differ).toBe(0);
    });
    // Hand check of image 0, query 0: the sign change sits between output columns 31 and 32.
    const left = results.find((r) => r.image_id === 11 && r.category_id === 3)!;
    const m = decodeMask(decompressRle(left.segmentation));
    expect(Array.from(m.subarray(0, 40)).join('')).toBe('1'.repeat(32) + '0'.repeat(8));
    // The empty mask of image 0, query 1 scores 0.
    expect(results.filter((r) => r.image_id === 11).some((r) => r.score === 0)).toBe(true);
  });
});
