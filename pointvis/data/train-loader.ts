import { type AugmentConfig, augmentSample } from './augment';
import { type CollateOptions, type HostBatch, assembleBatch } from './assemble-batch';
import { EpochSampler, type SampledItem, type SamplerState } from './sampler';
import type { ImageSample, SampleSource } from './types';

export interface TrainLoaderOptions {
  source: SampleSource;
  batchSize: number;
  /** Seeds the sample order and every augmentation. */
  seed: number;
  augment: AugmentConfig;
  collate: CollateOptions;
  shuffle?: boolean;
  /** Batches prepared ahead of the one being trained on (default 2). */
  prefetch?: number;
  /** Resume from the `stateAfter` of the last batch a previous run trained on. */
  state?: SamplerState;
}

export interface LoadedBatch {
  host: HostBatch;
  items: SampledItem[];
  /** Sampler state after this batch: store it with a checkpoint taken after training on it. */
  stateAfter: SamplerState;
}

/** Reads, decodes and augments one drawn sample; a pure function of (source, config, seed, item). */
export function loadTrainingSample(
  source: SampleSource,
  augment: AugmentConfig,
  seed: number,
  item: SampledItem,
): ImageSample {
  return augmentSample(source.load(item.index), augment, { seed, epoch: item.epoch, index: item.index });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The training input stream: sampler → load + augment → CPU batch assembly, prepared `prefetch`
 * batches ahead. Preparation runs one sample at a time between event-loop turns, so JPEG and
 * RLE decoding fill the time the trainer spends awaiting the GPU. Upload the host batch with
 * `uploadBatch` when the step starts.
 */
export class TrainLoader {
  private readonly sampler: EpochSampler;
  private readonly depth: number;
  private readonly pending: Promise<LoadedBatch>[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private consumed: SamplerState;
  private closed = false;

  constructor(private readonly options: TrainLoaderOptions) {
    this.sampler = new EpochSampler({
      size: options.source.size,
      batchSize: options.batchSize,
      seed: options.seed,
      shuffle: options.shuffle,
      state: options.state,
    });
    this.depth = Math.max(0, options.prefetch ?? 2);
    this.consumed = this.sampler.state;
  }

  /** State after the last batch `next()` delivered: what a checkpoint records. */
  get state(): SamplerState {
    return { ...this.consumed };
  }

  async next(): Promise<LoadedBatch> {
    if (this.closed) throw new Error('the loader is closed');
    if (this.pending.length === 0) this.pending.push(this.produce());
    const batch = this.pending.shift() as Promise<LoadedBatch>;
    while (this.pending.length < this.depth) this.pending.push(this.produce());
    const loaded = await batch;
    this.consumed = loaded.stateAfter;
    return loaded;
  }

  /** Stops preparing batches; work already started finishes and is dropped. */
  close(): void {
    this.closed = true;
    this.pending.length = 0;
  }

  private produce(): Promise<LoadedBatch> {
    const items = this.sampler.nextBatch();
    const stateAfter = this.sampler.state;
    const batch = this.tail.then(() => this.build(items, stateAfter));
    this.tail = batch.catch(() => undefined);
    // A failed batch is reported when its turn comes; until then keep it from counting as unhandled.
    batch.catch(() => undefined);
    return batch;
  }

  private async build(items: SampledItem[], stateAfter: SamplerState): Promise<LoadedBatch> {
    const { source, augment, seed, collate } = this.options;
    const samples: ImageSample[] = [];
    for (const item of items) {
      await yieldToEventLoop();
      samples.push(loadTrainingSample(source, augment, seed, item));
    }
    await yieldToEventLoop();
    return { host: assembleBatch(samples, collate), items, stateAfter };
  }
}
