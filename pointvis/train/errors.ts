/** Errors of a training run. */

/** A loss term (or the gradient norm) became NaN or ±Inf: the run stopped without saving. */
export class TrainingDivergedError extends Error {
  constructor(
    /** The 1-based iteration whose step produced the value. */
    readonly iteration: number,
    /** The loss term's name, 'total_loss' or 'grad_norm'. */
    readonly term: string,
    readonly value: number,
    /** The newest checkpoint, written before the divergence (null if none was written yet). */
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `training diverged: ${term} is ${value} at iteration ${iteration}; stopped without saving. ` +
        (lastCheckpoint
          ? `The last good checkpoint is ${lastCheckpoint}.`
          : 'No checkpoint had been written yet.'),
    );
    this.name = 'TrainingDivergedError';
  }
}

/** A run directory, resume request or config that does not fit together. */
export class TrainingSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingSetupError';
  }
}
