/**
 * A stand-in for Mask2Former in trainer tests: a tiny mask predictor (a conv "backbone", a
 * GroupNorm, a class Embedding, dropout, a 1×1 head) trained with BCE on an in-memory set of
 * random images, batched by the real EpochSampler. Its task keeps its own random state (input
 * noise drawn from a counter), like the criterion's point draws, so resume must restore it.
 */
import {
  type Tensor,
  add,
  binaryCrossEntropyWithLogits,
  mean,
  mul,
  rand,
  relu,
  reshape,
  tensor,
} from '../../engine/index.js';
import { Conv2d, Dropout, Embedding, GroupNorm, Module } from '../../model/nn/index.js';
import { loadConfigFile } from '../../pointvis/io/config-file.js';
import { EpochSampler, type SamplerState } from '../../pointvis/data/index.js';
import type { BatchStream, TrainTask } from '../../pointvis/train/index.js';
import type { PointvisConfig } from '../../model/config/index.js';
import { rng } from '../util/engine.js';

export const IMAGE = 8;
export const CHANNELS = 4;

export class TinyMaskNet extends Module {
  readonly backbone: Conv2d;
  readonly norm: GroupNorm;
  readonly class_embed: Embedding;
  readonly dropout: Dropout;
  readonly head: Conv2d;

  constructor(seed: number) {
    super();
    this.backbone = this.registerModule('backbone', new Conv2d(3, CHANNELS, 3, { padding: 1, seed }));
    this.norm = this.registerModule('norm', new GroupNorm(2, CHANNELS));
    this.class_embed = this.registerModule('class_embed', new Embedding(2, CHANNELS, { seed: seed + 1 }));
    this.dropout = this.registerModule('dropout', new Dropout(0.25, seed + 2));
    this.head = this.registerModule('head', new Conv2d(CHANNELS, 1, 1, { seed: seed + 3 }));
  }

  /** Mask logits [B, 1, H, W] for images [B, 3, H, W] of class `classes` (i32 [B]). */
  forward(images: Tensor, classes: Tensor): Tensor {
    const b = images.shape[0]!;
    const features = relu(this.norm.forward(this.backbone.forward(images)));
    const bias = reshape(this.class_embed.forward(classes), [b, CHANNELS, 1, 1]);
    return this.head.forward(this.dropout.forward(add(features, bias)));
  }
}

export interface HostSample {
  image: Float32Array;
  mask: Float32Array;
  label: number;
}

export interface HostBatch {
  samples: HostSample[];
}

/** Random images whose mask is "red channel > 0" (learnable by a conv). */
export function makeDataset(count: number, seed: number): HostSample[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const image = Float32Array.from({ length: 3 * IMAGE * IMAGE }, () => random() * 2 - 1);
    const mask = Float32Array.from({ length: IMAGE * IMAGE }, (_, p) => (image[p]! > 0 ? 1 : 0));
    return { image, mask, label: i % 2 };
  });
}

/** The stream over a dataset through the real sampler, reopenable at a recorded state. */
export function openStream(dataset: HostSample[], batchSize: number, seed: number) {
  return (state: unknown): BatchStream<HostBatch> => {
    const sampler = new EpochSampler({
      size: dataset.length,
      batchSize,
      seed,
      state: (state as SamplerState | null) ?? undefined,
    });
    return {
      next: async () => {
        const items = sampler.nextBatch();
        return { batch: { samples: items.map((it) => dataset[it.index]!) }, stateAfter: sampler.state };
      },
    };
  };
}

export interface TinyTaskOptions {
  /** Makes `loss_bad` NaN on this call of lossTerms (1-based). */
  nanOnCall?: number;
}

/** BCE on the masks plus a small embedding penalty; input noise from a drawn counter. */
export class TinyTask implements TrainTask<HostBatch> {
  draws = 0;
  calls = 0;

  constructor(
    readonly model: TinyMaskNet,
    readonly options: TinyTaskOptions = {},
  ) {}

  lossTerms(batch: HostBatch): Record<string, Tensor> {
    this.calls++;
    const b = batch.samples.length;
    const images = tensor(concat(batch.samples.map((s) => s.image)), [b, 3, IMAGE, IMAGE]);
    const masks = tensor(concat(batch.samples.map((s) => s.mask)), [b, 1, IMAGE, IMAGE]);
    const classes = tensor(
      batch.samples.map((s) => s.label),
      [b],
      'i32',
    );
    const noise = rand([b, 3, IMAGE, IMAGE], { seed: 99, stream: this.draws++, low: -0.1, high: 0.1 });
    const logits = this.model.forward(add(images, noise), classes);
    const terms: Record<string, Tensor> = {
      loss_mask: mul(binaryCrossEntropyWithLogits(logits, masks), 5),
      loss_embed: mul(mean(mul(this.model.class_embed.weight, this.model.class_embed.weight)), 0.01),
    };
    if (this.options.nanOnCall !== undefined) {
      const poison = this.calls === this.options.nanOnCall ? NaN : 0;
      terms.loss_bad = add(mul(mean(logits), 0), poison);
    }
    return terms;
  }

  randomState(): unknown {
    return { draws: this.draws };
  }

  setRandomState(state: unknown): void {
    this.draws = (state as { draws: number }).draws;
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** The tiny image config with the solver settings a test needs. */
export function tinyConfig(solver: Record<string, string | number>): PointvisConfig {
  const overrides = Object.entries(solver).map(([k, v]) => `solver.${k}=${v}`);
  return loadConfigFile('configs/mask2former/cpu-tiny.yaml', overrides);
}

/** Every parameter's values by name (read back). */
export async function parameterValues(model: Module): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) out.set(name, Float32Array.from(await p.data()));
  return out;
}
