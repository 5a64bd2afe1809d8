/**
 * MinVIS against our PyTorch reference (tools/torch_ref/minvis.py → minvis.safetensors):
 * tracking with scipy's Hungarian in float64, top-k video scoring, the official mask resize path
 * and the proposals, on shuffled per-frame outputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, tensor, tidyAsync } from '../../engine/index.js';
import {
  type FrameOutputs,
  type VideoGeometry,
  instanceFrameMask,
  minvisProposals,
  runWindowInference,
  scoreVideo,
} from '../../model/minvis/index.js';
import { expectClose, useEngine } from '../util/engine.js';
import { fakeModel, indexFrames } from './minvis-fixtures.js';
import { loadParityFixture } from './parity-fixture.js';

beforeAll(async () => {
  await useEngine();
});

const fx = loadParityFixture('minvis.safetensors');
const cfg = fx.config as {
  frames: number;
  queries: number;
  topk: number;
  input_size: [number, number];
  image_size: [number, number];
  output_size: [number, number];
  proposal_size: [number, number];
};
const geometry: VideoGeometry = {
  inputSize: cfg.input_size,
  imageSize: cfg.image_size,
  outputSize: cfg.output_size,
};
const host = (name: string) => fx.get(name);
const upload = (name: string) => tensor(host(name).data, host(name).shape);
const values = (name: string) => Array.from(host(name).data);
const read = async (t: Tensor) => Array.from(await t.data());

function inputs(): FrameOutputs {
  return {
    predLogits: upload('input.logits'),
    predMasks: upload('input.masks'),
    queryEmbeddings: upload('input.embeddings'),
  };
}

describe('MinVIS parity with PyTorch', () => {
  for (const windowSize of [2, 30]) {
    it(`tracks, scores and builds proposals as the reference (window ${windowSize})`, async () => {
      await tidyAsync(async () => {
        const tracked = await runWindowInference(fakeModel(inputs(), []), indexFrames(cfg.frames), {
          windowSize,
        });
        expect(await read(tracked.permutation)).toEqual(values('output.permutation'));
        expect(await read(tracked.predLogits)).toEqual(values('output.logits'));
        expect(await read(tracked.predMasks)).toEqual(values('output.masks'));
        expect(await read(tracked.queryEmbeddings)).toEqual(values('output.embeddings'));

        const instances = await scoreVideo(tracked, geometry, { topk: cfg.topk });
        expectClose(instances.scores, values('output.scores'), { atol: 1e-6, rtol: 1e-5 });
        expect(Array.from(instances.labels)).toEqual(values('output.labels'));
        expect(Array.from(instances.queries)).toEqual(values('output.queries'));
        const ref = host('output.mask_logits').data;
        const [h, w] = cfg.output_size;
        let compared = 0;
        for (let i = 0; i < cfg.topk; i++) {
          for (let t = 0; t < cfg.frames; t++) {
            const got = instanceFrameMask(instances, i, t);
            const base = (i * cfg.frames + t) * h * w;
            for (let p = 0; p < h * w; p++) {
              const v = ref[base + p]!;
              if (Math.abs(v) <= 1e-4) continue; // f32 rounding may fall either side of 0
              compared++;
              if (got[p] !== (v > 0 ? 1 : 0))
                throw new Error(`instance ${i} frame ${t} pixel ${p}: logit ${v}, mask ${got[p]}`);
            }
          }
        }
        expect(compared).toBeGreaterThan(0.99 * cfg.topk * cfg.frames * h * w);

        const proposals = minvisProposals(tracked, geometry, { size: cfg.proposal_size });
        expectClose(await read(proposals.soft), values('output.proposal_soft'), { atol: 2e-6, rtol: 1e-5 });
        expectClose(await read(proposals.maskness), values('output.maskness'), { atol: 2e-6, rtol: 1e-5 });
        expectClose(await read(proposals.confidence), values('output.confidence'), {
          atol: 1e-6,
          rtol: 1e-5,
        });
        for (const x of Object.values(tracked)) (x as Tensor).dispose();
      });
    });
  }
});
