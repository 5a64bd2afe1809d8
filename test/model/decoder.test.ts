import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Tensor,
  add,
  backward,
  mul,
  parameter,
  reshape,
  sum,
  tensor,
  tidyAsync,
} from '../../engine/index.js';
import {
  type MaskedDecoderOutput,
  MultiScaleMaskedTransformerDecoder,
  allPredictions,
} from '../../model/mask2former/decoder/index.js';
import { officialParameterNames } from '../../model/checkpoint/official-names.js';
import { useEngine } from '../util/engine.js';
import { type ParityFixture, loadParityFixture, relativeError } from './parity-fixture.js';

const PREFIX = 'sem_seg_head.predictor.';

beforeAll(async () => {
  await useEngine();
});

interface FixtureConfig {
  batch: number;
  in_channels: number;
  hidden: number;
  heads: number;
  layers: number;
  queries: number;
  classes: number;
  ffn: number;
  mask_dim: number;
}

function buildDecoder(fx: ParityFixture, preNorm = false): MultiScaleMaskedTransformerDecoder {
  const cfg = fx.config as unknown as FixtureConfig;
  const decoder = new MultiScaleMaskedTransformerDecoder({
    inChannels: cfg.in_channels,
    numClasses: cfg.classes,
    maskDim: cfg.mask_dim,
    hiddenDim: cfg.hidden,
    numQueries: cfg.queries,
    heads: cfg.heads,
    ffnDim: cfg.ffn,
    layers: cfg.layers,
    preNorm,
    seed: 7,
  });
  decoder.loadStateDict(fx.withPrefix(PREFIX), { source: 'parity fixture' });
  return decoder;
}

function upload(fx: ParityFixture, name: string, grad = false): Tensor {
  const t = fx.get(name);
  const out = tensor(t.data, t.shape);
  return grad ? parameter(out) : out;
}

/** The fixture's objective: fixed sin/cos weights on every output (tools/torch_ref/decoder.py). */
function objective(out: MaskedDecoderOutput): Tensor {
  const weights = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  let total: Tensor | null = null;
  allPredictions(out).forEach((p, k) => {
    const m = p.predMasks;
    const l = p.predLogits;
    const wm = tensor(
      weights(m.size, (i) => Math.sin(0.37 * i + k)),
      m.shape,
    );
    const wl = tensor(
      weights(l.size, (i) => Math.cos(0.53 * i + k)),
      l.shape,
    );
    const term = add(sum(mul(m, wm)), sum(mul(l, wl)));
    total = total ? add(total, term) : term;
  });
  const e = out.queryEmbeddings;
  return add(
    total!,
    sum(
      mul(
        e,
        tensor(
          weights(e.size, (i) => Math.sin(0.71 * i)),
          e.shape,
        ),
      ),
    ),
  );
}

async function expectMatches(actual: Tensor, fx: ParityFixture, name: string, tol: number): Promise<number> {
  const expected = fx.get(name);
  expect(actual.shape, name).toEqual(expected.shape);
  const err = relativeError(await actual.data(), expected.data);
  expect(err, `${name}: relative error`).toBeLessThan(tol);
  return err;
}

async function checkFixture(file: string): Promise<void> {
  const fx = loadParityFixture(file);
  const cfg = fx.config as unknown as FixtureConfig;
  const decoder = buildDecoder(fx);
  const errors: Record<string, number> = {};
  await tidyAsync(async () => {
    const levels = [0, 1, 2].map((l) => upload(fx, `input.level.${l}`, true));
    const maskFeatures = upload(fx, 'input.mask_features', true);
    const out = decoder.forward(levels, maskFeatures, { recordAttentionMasks: true });
    expect(out.auxOutputs).toHaveLength(cfg.layers);
    const preds = allPredictions(out);
    for (const [k, p] of preds.entries()) {
      errors[`logits.${k}`] = await expectMatches(p.predLogits, fx, `output.pred_logits.${k}`, 2e-5);
      errors[`masks.${k}`] = await expectMatches(p.predMasks, fx, `output.pred_masks.${k}`, 2e-5);
    }
    errors.embeddings = await expectMatches(out.queryEmbeddings, fx, 'output.query_embeddings', 2e-5);

    // Attention masks: ours are before the fully-blocked-row fix (the op applies it), the
    // fixture's after; a row the fixture reports fully blocked must be all ones in ours.
    const masks = out.attentionMasks!;
    expect(masks).toHaveLength(cfg.layers);
    for (let i = 0; i < cfg.layers; i++) {
      const ours = await masks[i]!.data();
      const fixed = fx.get(`output.attn_mask.${i}`).data;
      const fullRows = fx.get(`output.blocked_rows.${i}`).data;
      const hw = fixed.length / fullRows.length;
      expect(masks[i]!.shape).toEqual([cfg.batch, 1, cfg.queries, hw]);
      let mismatches = 0;
      for (let r = 0; r < fullRows.length; r++) {
        for (let j = 0; j < hw; j++) {
          const want = fullRows[r] === 1 ? 1 : fixed[r * hw + j];
          if (ours[r * hw + j] !== want) mismatches++;
        }
      }
      expect(mismatches, `layer ${i} attention mask`).toBe(0);
    }

    const obj = objective(out);
    errors.objective = await expectMatches(reshape(obj, [1]), fx, 'output.objective', 1e-5);
    backward(obj);
    const params = new Map(decoder.namedParameters());
    for (const [name] of fx.withPrefix(`grad.${PREFIX}`)) {
      const p = params.get(name)!;
      errors[`grad ${name}`] = await expectMatches(p.grad!, fx, `grad.${PREFIX}${name}`, 1e-4);
    }
    for (let l = 0; l < 3; l++) {
      errors[`grad level ${l}`] = await expectMatches(levels[l]!.grad!, fx, `grad.input.level.${l}`, 1e-4);
    }
    errors['grad mask features'] = await expectMatches(
      maskFeatures.grad!,
      fx,
      'grad.input.mask_features',
      1e-4,
    );
    for (const t of [...levels, maskFeatures]) {
      t.grad?.dispose();
      t.dispose();
    }
  });
  decoder.dispose();
  const worst = Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  console.log(
    `${file}: worst relative errors ${worst.map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`,
  );
}

describe('MultiScaleMaskedTransformerDecoder vs the PyTorch reference', () => {
  it('tiny config (identity input_proj, fully blocked rows): outputs, attention masks, gradients', async () => {
    await checkFixture('decoder.safetensors');
  });

  it('with a 1x1 input_proj and 4 layers (level cycling wraps to 0)', async () => {
    await checkFixture('decoder-proj.safetensors');
  });

  it('pre-norm layers', async () => {
    const fx = loadParityFixture('decoder-proj.safetensors');
    const decoder = buildDecoder(fx, true);
    await tidyAsync(async () => {
      const levels = [0, 1, 2].map((l) => upload(fx, `input.level.${l}`));
      const out = decoder.forward(levels, upload(fx, 'input.mask_features'));
      for (const [k, p] of allPredictions(out).entries()) {
        await expectMatches(p.predLogits, fx, `output_prenorm.pred_logits.${k}`, 2e-5);
        await expectMatches(p.predMasks, fx, `output_prenorm.pred_masks.${k}`, 2e-5);
      }
      await expectMatches(out.queryEmbeddings, fx, 'output_prenorm.query_embeddings', 2e-5);
    });
    decoder.dispose();
  });
});

describe('MultiScaleMaskedTransformerDecoder structure', () => {
  it('registers exactly the official parameter names and shapes, in state_dict order', () => {
    for (const enforce of [false, true]) {
      const decoder = new MultiScaleMaskedTransformerDecoder({
        inChannels: 32,
        numClasses: 4,
        maskDim: 24,
        hiddenDim: 32,
        numQueries: 6,
        heads: 4,
        ffnDim: 48,
        layers: 2,
        enforceInputProjection: enforce,
        seed: 1,
      });
      const ours = [...decoder.stateDict(PREFIX)].map(([n, t]) => `${n} [${t.shape.join(',')}]`);
      const official = officialParameterNames({
        numClasses: 4,
        // Only the decoder's entries are compared; swin/pixel decoder values just fill the type.
        swin: {
          pretrainImageSize: 224,
          patchSize: 4,
          embedDim: 8,
          depths: [1],
          numHeads: [1],
          windowSize: 7,
          mlpRatio: 4,
          qkvBias: true,
          qkScale: null,
          dropRate: 0,
          attnDropRate: 0,
          dropPathRate: 0,
          absolutePositionEmbedding: false,
          patchNorm: true,
          outFeatures: ['res2'],
        },
        pixelDecoder: {
          inFeatures: ['res2'],
          transformerInFeatures: [],
          convDim: 32,
          maskDim: 24,
          groupNormGroups: 8,
          commonStride: 4,
          encoder: { layers: 0, heads: 1, points: 1, ffnDim: 8, dropout: 0 },
        },
        decoder: {
          hiddenDim: 32,
          numQueries: 6,
          heads: 4,
          ffnDim: 48,
          layers: 2,
          preNorm: false,
          dropout: 0,
          enforceInputProjection: enforce,
          featureLevels: 3,
        },
      })
        .filter((e) => e.name.startsWith(PREFIX))
        .map((e) => `${e.name} [${e.shape.join(',')}]`);
      expect(ours).toEqual(official);
      decoder.dispose();
    }
  });

  it('initialises from scratch as the official code (xavier layers, zero MHA biases, c2 input_proj)', async () => {
    const decoder = new MultiScaleMaskedTransformerDecoder({
      inChannels: 24,
      numClasses: 3,
      maskDim: 16,
      hiddenDim: 32,
      numQueries: 5,
      heads: 4,
      ffnDim: 64,
      layers: 1,
      seed: 3,
    });
    const params = new Map(decoder.namedParameters());
    const read = async (name: string) => Array.from(await params.get(name)!.data());
    const maxAbs = (v: number[]) => Math.max(...v.map(Math.abs));
    const inProj = await read('transformer_cross_attention_layers.0.multihead_attn.in_proj_weight');
    expect(maxAbs(inProj)).toBeLessThanOrEqual(Math.sqrt(6 / (32 + 96)));
    expect(maxAbs(inProj)).toBeGreaterThan(0.9 * Math.sqrt(6 / (32 + 96)));
    expect(maxAbs(await read('transformer_ffn_layers.0.linear1.weight'))).toBeLessThanOrEqual(
      Math.sqrt(6 / (32 + 64)),
    );
    for (const zero of [
      'transformer_self_attention_layers.0.self_attn.in_proj_bias',
      'transformer_self_attention_layers.0.self_attn.out_proj.bias',
      'input_proj.2.bias',
    ]) {
      expect(maxAbs(await read(zero)), zero).toBe(0);
    }
    expect(maxAbs(await read('input_proj.0.weight'))).toBeLessThanOrEqual(Math.sqrt(3 / 24));
    expect(maxAbs(await read('transformer_ffn_layers.0.linear1.bias'))).toBeGreaterThan(0); // torch Linear default
    const q = await read('query_feat.weight');
    const mean = q.reduce((a, b) => a + b, 0) / q.length;
    expect(Math.abs(mean)).toBeLessThan(0.3); // N(0, 1)
    expect(maxAbs(q)).toBeGreaterThan(1);
    decoder.dispose();
  });

  it('rejects inputs of the wrong shape with a message naming them', () => {
    const decoder = new MultiScaleMaskedTransformerDecoder({
      inChannels: 16,
      numClasses: 2,
      maskDim: 8,
      hiddenDim: 16,
      numQueries: 3,
      heads: 2,
      ffnDim: 16,
      layers: 1,
      seed: 2,
    });
    const x = [tensor(new Float32Array(16), [1, 16, 1, 1]), tensor(new Float32Array(16), [1, 16, 1, 1])];
    expect(() => decoder.forward(x, tensor(new Float32Array(8), [1, 8, 1, 1]))).toThrow(
      /2 feature levels given, 3 expected/,
    );
    decoder.dispose();
  });
});
