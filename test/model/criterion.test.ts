import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, backward, parameter, reshape, select, tensor, tidyAsync } from '../../engine/index.js';
import {
  type ExplicitPoints,
  HungarianMatcher,
  SetCriterion,
  type SetCriterionOptions,
  nonFiniteTerms,
  readLossTerms,
  targetLayout,
} from '../../model/mask2former/criterion/index.js';
import type { MaskedDecoderOutput } from '../../model/mask2former/decoder/index.js';
import { useEngine } from '../util/engine.js';
import { type ParityFixture, loadParityFixture, relativeError } from './parity-fixture.js';

beforeAll(async () => {
  await useEngine();
});

interface FixtureCase {
  name: string;
  counts: number[];
  queries: number;
  classes: number;
  outputs: number;
  class_weight: number;
  mask_weight: number;
  dice_weight: number;
  no_object_weight: number;
  num_points: number;
  oversample_ratio: number;
  importance_sample_ratio: number;
  matcher: { class_cost: number; mask_cost: number; dice_cost: number; num_points: number };
}

function optionsOf(c: FixtureCase, seed = 11): SetCriterionOptions {
  return {
    numClasses: c.classes,
    classWeight: c.class_weight,
    maskWeight: c.mask_weight,
    diceWeight: c.dice_weight,
    noObjectWeight: c.no_object_weight,
    deepSupervision: true,
    numPoints: c.num_points,
    oversampleRatio: c.oversample_ratio,
    importanceSampleRatio: c.importance_sample_ratio,
    matcher: {
      classCost: c.matcher.class_cost,
      maskCost: c.matcher.mask_cost,
      diceCost: c.matcher.dice_cost,
      numPoints: c.matcher.num_points,
    },
    seed,
  };
}

function upload(fx: ParityFixture, name: string): Tensor {
  const t = fx.get(name);
  return tensor(t.data, t.shape, t.dtype);
}

/** Decoder-shaped outputs from stacked [O, ...] predictions (aux 0 … O−2, then the last). */
function outputsOf(logits: Tensor, masks: Tensor): MaskedDecoderOutput {
  const o = logits.shape[0]!;
  const pred = (k: number) => ({ predLogits: select(logits, 0, k), predMasks: select(masks, 0, k) });
  return {
    ...pred(o - 1),
    auxOutputs: Array.from({ length: o - 1 }, (_, k) => pred(k)),
    queryEmbeddings: select(logits, 0, o - 1),
  };
}

function targetsOf(fx: ParityFixture, pre: string, c: FixtureCase) {
  const labels = Array.from(fx.get(`${pre}target_labels`).data);
  let at = 0;
  return {
    labels: c.counts.map((n) => labels.slice(at, (at += n))),
    masks: upload(fx, `${pre}target_masks`),
  };
}

const fx = loadParityFixture('criterion.safetensors');
const cases = JSON.parse(fx.metadata.cases!) as FixtureCase[];

describe('SetCriterion + HungarianMatcher vs the PyTorch reference (explicit points)', () => {
  cases.forEach((c, i) => {
    it(`case ${i} (${c.name}): matches, every loss term, total and gradients`, async () => {
      const pre = `case${i}.`;
      const criterion = new SetCriterion(optionsOf(c));
      await tidyAsync(async () => {
        const logits = parameter(upload(fx, `${pre}pred_logits`));
        const masks = parameter(upload(fx, `${pre}pred_masks`));
        const points: ExplicitPoints = {
          matcher: upload(fx, `${pre}points.matcher`),
          oversampled: upload(fx, `${pre}points.oversampled`),
          random: upload(fx, `${pre}points.random`),
        };
        const result = criterion.forward(outputsOf(logits, masks), targetsOf(fx, pre, c), { points });
        expect(Array.from(await result.matches.data())).toEqual(Array.from(fx.get(`${pre}matches`).data));
        expect(result.numMasks).toBe(
          Math.max(
            1,
            c.counts.reduce((a, b) => a + b, 0),
          ),
        );
        const values = await readLossTerms(result.terms);
        const expected = fx.withPrefix(`${pre}loss.`);
        expect([...values.keys()].sort()).toEqual([...expected.keys()].sort());
        const errors: string[] = [];
        for (const [name, want] of expected) {
          const got = values.get(name)!;
          expect(Math.abs(got - want.data[0]!), `${name}: ${got} vs ${want.data[0]}`).toBeLessThan(
            2e-5 * Math.max(1, Math.abs(want.data[0]!)),
          );
          errors.push(`${name} ${Math.abs(got - want.data[0]!).toExponential(1)}`);
        }
        const total = (await result.total.data())[0]!;
        expect(Math.abs(total - fx.get(`${pre}total`).data[0]!)).toBeLessThan(1e-4);
        backward(result.total);
        const gl = relativeError(await logits.grad!.data(), fx.get(`${pre}grad.pred_logits`).data);
        const gm = relativeError(await masks.grad!.data(), fx.get(`${pre}grad.pred_masks`).data);
        expect(gl, 'grad pred_logits').toBeLessThan(1e-4);
        expect(gm, 'grad pred_masks').toBeLessThan(1e-4);
        console.log(
          `case ${i} (${c.name}): |Δ| ${errors.slice(-3).join(', ')}; grad rel. error logits ${gl.toExponential(1)}, masks ${gm.toExponential(1)}`,
        );
        for (const t of [logits, masks]) {
          t.grad?.dispose();
          t.dispose();
        }
      });
      criterion.dispose();
    });
  });
});

describe('SetCriterion options', () => {
  it('without deep supervision gives only the last prediction its terms (the fixture values)', async () => {
    const c = cases[1]!;
    const pre = 'case1.';
    const criterion = new SetCriterion({ ...optionsOf(c), deepSupervision: false });
    const values = await tidyAsync(async () => {
      const last = (name: string) => {
        const t = upload(fx, name);
        return reshape(select(t, 0, t.shape[0]! - 1), [1, ...t.shape.slice(1)]);
      };
      const points: ExplicitPoints = {
        matcher: last(`${pre}points.matcher`),
        oversampled: last(`${pre}points.oversampled`),
        random: last(`${pre}points.random`),
      };
      const out = outputsOf(upload(fx, `${pre}pred_logits`), upload(fx, `${pre}pred_masks`));
      const result = criterion.forward(out, targetsOf(fx, pre, c), { points });
      expect(result.matches.shape).toEqual([1, 2, c.queries]);
      return readLossTerms(result.terms);
    });
    expect([...values.keys()]).toEqual(['loss_ce', 'loss_mask', 'loss_dice']);
    for (const [name, v] of values) expect(v).toBeCloseTo(fx.get(`${pre}loss.${name}`).data[0]!, 5);
    criterion.dispose();
  });

  it('rejects targets that do not fit the predictions, naming the problem', async () => {
    const c = cases[0]!;
    const criterion = new SetCriterion(optionsOf(c));
    await tidyAsync(async () => {
      const out = outputsOf(upload(fx, 'case0.pred_logits'), upload(fx, 'case0.pred_masks'));
      const masks = upload(fx, 'case0.target_masks');
      expect(() => criterion.forward(out, { labels: [[0, 1], [], [2, 3, 4, 9]], masks })).toThrow(
        /image 2 object 3 has label 9, outside \[0, 5\)/,
      );
      expect(() => criterion.forward(out, { labels: [[0, 1], []], masks })).toThrow(
        /targets for 2 images, predictions for 3/,
      );
      expect(() => criterion.forward(out, { labels: [[0], [], [2, 3, 4]], masks })).toThrow(
        /must be f32 \[4, H, W\]/,
      );
    });
    criterion.dispose();
  });
});

describe('HungarianMatcher', () => {
  it('gives the same costs when the predictions are processed in groups (bounded memory)', async () => {
    const c = cases[0]!;
    const pre = 'case0.';
    const [whole, grouped] = await tidyAsync(async () => {
      const out = outputsOf(upload(fx, `${pre}pred_logits`), upload(fx, `${pre}pred_masks`));
      const targets = targetsOf(fx, pre, c);
      const predictions = [...out.auxOutputs, out];
      const layout = targetLayout(targets, c.counts.length, c.classes);
      const points = upload(fx, `${pre}points.matcher`);
      const one = new SetCriterion(optionsOf(c)).matcher;
      const perPrediction = new HungarianMatcher({ ...one.options, maxGroupElements: 1 });
      return [
        await one.costMatrices(predictions, targets, layout, points).data(),
        await perPrediction.costMatrices(predictions, targets, layout, points).data(),
      ];
    });
    expect(whole.length).toBe(3 * 3 * 6 * 4);
    expect(Array.from(grouped)).toEqual(Array.from(whole));
  });
});

describe('SetCriterion with its own random points', () => {
  const c = cases[0]!;
  const pre = 'case0.';

  async function run(criterion: SetCriterion, maskEdit?: (m: Float32Array) => void) {
    return tidyAsync(async () => {
      const logits = upload(fx, `${pre}pred_logits`);
      const maskData = Float32Array.from(fx.get(`${pre}pred_masks`).data);
      maskEdit?.(maskData);
      const masks = tensor(maskData, fx.get(`${pre}pred_masks`).shape);
      const result = criterion.forward(outputsOf(logits, masks), targetsOf(fx, pre, c));
      return { values: await readLossTerms(result.terms), matches: Array.from(await result.matches.data()) };
    });
  }

  it('is reproducible from its seed and draws new points on every call', async () => {
    const a = new SetCriterion(optionsOf(c, 5));
    const b = new SetCriterion(optionsOf(c, 5));
    const first = await run(a);
    const again = await run(b);
    expect([...again.values]).toEqual([...first.values]);
    expect(a.draws).toBe(1);
    const second = await run(a);
    expect(a.draws).toBe(2);
    expect(second.values.get('loss_mask')).not.toBe(first.values.get('loss_mask'));
    expect(nonFiniteTerms(second.values)).toEqual([]);
    a.dispose();
    b.dispose();
  });

  it('names the terms a NaN reaches (query 0 of image 0 in prediction 1 predicts a NaN mask)', async () => {
    const criterion = new SetCriterion(optionsOf(c, 9));
    const [o, bsz, q, hm, wm] = fx.get(`${pre}pred_masks`).shape as [number, number, number, number, number];
    expect(o).toBe(3);
    // The matcher's costs of image 0 in prediction 1 become NaN: that assignment fails, and
    // every term of prediction 1 must say so (the other predictions stay finite).
    const { values } = await run(criterion, (m) =>
      m.fill(NaN, (1 * bsz + 0) * q * hm * wm, ((1 * bsz + 0) * q + 1) * hm * wm),
    );
    const bad = nonFiniteTerms(values);
    expect(bad).toEqual(['loss_ce_1', 'loss_mask_1', 'loss_dice_1']);
    criterion.dispose();
  });
});
