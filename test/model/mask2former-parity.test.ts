/**
 * Whole-model parity of Mask2Former (Swin → pixel decoder → masked-attention decoder) with our
 * float64 PyTorch references composed the same way (tools/torch_ref/mask2former.py): a tiny model
 * on a non-square batch of 2, loaded strictly by the official names; every prediction (the one
 * from the raw queries, after each layer, the last), the query embeddings, and the gradients of a
 * fixed weighted sum of all outputs for parameters in every part.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, add, backward, mul, sum, tensor, tidyAsync } from '../../engine/index.js';
import { loadWeights } from '../../model/checkpoint/index.js';
import { Mask2Former } from '../../model/mask2former/index.js';
import type { StateValue } from '../../model/nn/index.js';
import { type ParityFixture, loadParityFixture, relativeError } from './parity-fixture.js';
import { useEngine } from '../util/engine.js';

/**
 * max |ours − torch| / max |torch| per tensor. Float32 through 8 Swin blocks, the deformable
 * encoder, 4 GroupNorms and 3 decoder layers vs float64; the attention-mask logits keep a margin
 * of 2e-3 of their scale from 0, far above this noise, so every mask bit agrees.
 */
const FORWARD_TOL = 2e-5;
const GRAD_TOL = 1e-4;

interface FixtureConfig {
  batch: number;
  image: [number, number];
  numClasses: number;
  swin: { embedDim: number; depths: number[]; numHeads: number[]; windowSize: number };
  pixelDecoder: {
    convDim: number;
    maskDim: number;
    groups: number;
    layers: number;
    heads: number;
    points: number;
    ffnDim: number;
  };
  decoder: { hiddenDim: number; numQueries: number; heads: number; ffnDim: number; layers: number };
}

let fx: ParityFixture;
let cfg: FixtureConfig;

beforeAll(async () => {
  await useEngine();
  fx = loadParityFixture('mask2former.safetensors');
  cfg = fx.config as unknown as FixtureConfig;
});

function buildModel(): Mask2Former {
  const p = cfg.pixelDecoder;
  return new Mask2Former({
    numClasses: cfg.numClasses,
    swin: { ...cfg.swin },
    pixelDecoder: {
      inFeatures: ['res2', 'res3', 'res4', 'res5'],
      transformerInFeatures: ['res3', 'res4', 'res5'],
      convDim: p.convDim,
      maskDim: p.maskDim,
      groupNormGroups: p.groups,
      encoder: { layers: p.layers, heads: p.heads, points: p.points, ffnDim: p.ffnDim },
    },
    decoder: { ...cfg.decoder },
    sizeDivisibility: 32,
    seed: 123,
  }).eval();
}

/** The fixture's weights: everything that is not an input, output or gradient. */
function fixtureWeights(): Map<string, StateValue> {
  return new Map(
    [...fx.tensors].filter(([k]) => !/^(input|output|grad)\./.test(k)) as [string, StateValue][],
  );
}

/** decoder.py's objective: Σ_k sin(0.37i + k)·masks_k + cos(0.53i + k)·logits_k, + sin(0.71i)·emb. */
function weights(n: number, f: (i: number) => number, shape: readonly number[]): Tensor {
  return tensor(
    Float32Array.from({ length: n }, (_, i) => f(i)),
    shape,
  );
}

describe('Mask2Former whole-model parity with the composed PyTorch references', () => {
  it('loads strictly by official name and matches predictions, embeddings and gradients', async () => {
    const model = buildModel();
    const result = loadWeights(model, fixtureWeights(), { source: 'mask2former.safetensors' });
    expect(result.loaded.length).toBe(model.namedParameters().length);

    const report: string[] = [];
    const failures: string[] = [];
    const compare = (name: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) => {
      const err = relativeError(actual, expected);
      report.push(`${name} ${err.toExponential(2)}`);
      if (!(err <= tol)) failures.push(`${name}: ${err}`);
    };

    await tidyAsync(async () => {
      const img = fx.get('input.images');
      const out = model.forward(tensor(img.data, img.shape));
      const predictions = [...out.auxOutputs, { predLogits: out.predLogits, predMasks: out.predMasks }];
      expect(predictions.length).toBe(cfg.decoder.layers + 1);
      let objective: Tensor | null = null;
      const term = (t: Tensor) => (objective = objective ? add(objective, t) : t);
      for (const [k, p] of predictions.entries()) {
        const logitsRef = fx.get(`output.pred_logits.${k}`);
        const masksRef = fx.get(`output.pred_masks.${k}`);
        expect(p.predLogits.shape).toEqual(logitsRef.shape);
        expect(p.predMasks.shape).toEqual(masksRef.shape);
        compare(`pred_logits.${k}`, await p.predLogits.data(), logitsRef.data, FORWARD_TOL);
        compare(`pred_masks.${k}`, await p.predMasks.data(), masksRef.data, FORWARD_TOL);
        term(
          sum(
            mul(
              p.predMasks,
              weights(p.predMasks.size, (i) => Math.sin(0.37 * i + k), p.predMasks.shape),
            ),
          ),
        );
        term(
          sum(
            mul(
              p.predLogits,
              weights(p.predLogits.size, (i) => Math.cos(0.53 * i + k), p.predLogits.shape),
            ),
          ),
        );
      }
      const emb = out.queryEmbeddings;
      compare('query_embeddings', await emb.data(), fx.get('output.query_embeddings').data, FORWARD_TOL);
      term(
        sum(
          mul(
            emb,
            weights(emb.size, (i) => Math.sin(0.71 * i), emb.shape),
          ),
        ),
      );
      compare('objective', await objective!.data(), fx.get('output.objective').data, FORWARD_TOL);

      backward(objective!);
      const params = new Map(model.namedParameters());
      for (const name of JSON.parse(fx.metadata.grad_params!) as string[]) {
        const g = params.get(name)?.grad;
        if (!g) {
          failures.push(`${name}: no gradient`);
          continue;
        }
        compare(`grad ${name}`, await g.data(), fx.get(`grad.${name}`).data, GRAD_TOL);
      }
    });
    for (const p of model.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
    console.log(`mask2former.safetensors relative errors:\n  ${report.join('\n  ')}`);
    model.dispose();
    expect(failures).toEqual([]);
  });
});
