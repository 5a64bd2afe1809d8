import { Rng } from '../synth/prng';

/** Where the sample stream stands: the next sample is position `position` of epoch `epoch`'s order. */
export interface SamplerState {
  epoch: number;
  position: number;
}

/** One drawn sample: its dataset index and the epoch it was drawn in (augmentation keys on both). */
export interface SampledItem {
  index: number;
  epoch: number;
}

export interface SamplerOptions {
  /** Number of samples in the dataset. */
  size: number;
  batchSize: number;
  seed: number;
  /** Reshuffle every epoch (default); false walks 0..size-1 in order. */
  shuffle?: boolean;
  /** Resume here (a state recorded from an earlier run). */
  state?: SamplerState;
}

/**
 * An infinite stream of batches over a dataset, as detectron2's TrainingSampler: each epoch is a
 * permutation drawn from (seed, epoch) and batches run on across epoch boundaries. The stream is a
 * pure function of (seed, size), so a run resumed from a recorded state sees the same batches
 * as one that never stopped.
 */
export class EpochSampler {
  readonly size: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  private epoch: number;
  private position: number;
  private order: number[] | null = null;
  private orderEpoch = -1;

  constructor(options: SamplerOptions) {
    const { size, batchSize, seed } = options;
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`the dataset has ${size} samples; need at least 1`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1)
      throw new RangeError(`batch size ${batchSize} is not a positive integer`);
    this.size = size;
    this.batchSize = batchSize;
    this.seed = seed;
    this.shuffle = options.shuffle ?? true;
    const state = options.state ?? { epoch: 0, position: 0 };
    if (
      !Number.isSafeInteger(state.epoch) ||
      state.epoch < 0 ||
      !Number.isSafeInteger(state.position) ||
      state.position < 0 ||
      state.position >= size
    ) {
      throw new RangeError(
        `sampler state ${JSON.stringify(state)} does not fit a dataset of ${size} samples`,
      );
    }
    this.epoch = state.epoch;
    this.position = state.position;
  }

  get state(): SamplerState {
    return { epoch: this.epoch, position: this.position };
  }

  /** The dataset order of an epoch. */
  epochOrder(epoch: number): number[] {
    if (this.orderEpoch !== epoch || this.order === null) {
      this.order = this.shuffle
        ? Rng.fromSeed(this.seed).fork('sampler', epoch).permutation(this.size)
        : Array.from({ length: this.size }, (_, i) => i);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  nextBatch(): SampledItem[] {
    const items: SampledItem[] = [];
    while (items.length < this.batchSize) {
      items.push({ index: this.epochOrder(this.epoch)[this.position], epoch: this.epoch });
      if (++this.position === this.size) {
        this.position = 0;
        this.epoch++;
      }
    }
    return items;
  }
}
