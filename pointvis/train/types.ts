/** What the generic trainer is given and what it reports. */
import type { Tensor } from '../../engine/index.js';
import type { Module } from '../../model/nn/index.js';

/**
 * A model and how to compute its losses on a batch. The trainer sums the terms into the loss it
 * differentiates, so each term carries its weight already (as detectron2 logs them).
 */
export interface TrainTask<B> {
  readonly model: Module;
  /** Weighted scalar loss terms of one batch (e.g. loss_ce, loss_mask, loss_dice, loss_ce_0, …). */
  lossTerms(batch: B): Record<string, Tensor>;
  /**
   * Random state the task keeps besides the model's dropout counters (e.g. the criterion's
   * point-draw counter), JSON-serialisable; restored on resume with `setRandomState`.
   */
  randomState?(): unknown;
  setRandomState?(state: unknown): void;
}

export interface StreamedBatch<B> {
  batch: B;
  /** Stream state after this batch: reopening the stream there continues with the next one. */
  stateAfter: unknown;
}

/** An endless stream of training batches that can be reopened at a recorded state. */
export interface BatchStream<B> {
  next(): Promise<StreamedBatch<B>>;
  close?(): void;
}

/** Opens the stream at a recorded state, or at its beginning for null. */
export type OpenBatchStream<B> = (state: unknown) => BatchStream<B>;

export interface TrainProgress {
  /** Iterations completed. */
  iteration: number;
  maxIter: number;
  /** Where this session started (the resumed iteration, or 0). */
  startIteration: number;
  elapsedSeconds: number;
  /** Remaining time at the current rate; null before a rate is known. */
  etaSeconds: number | null;
  /** Total loss at the last readback, or null before the first. */
  lastTotalLoss: number | null;
}

export interface TrainResult {
  /** Iterations completed when training stopped. */
  iteration: number;
  /** True when stopped by the abort signal before maxIter. */
  interrupted: boolean;
  /** The newest checkpoint written (absolute path), or null. */
  lastCheckpoint: string | null;
  /** The loss terms at the last readback. */
  lastLosses: Record<string, number> | null;
}
