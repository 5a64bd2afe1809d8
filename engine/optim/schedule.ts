/**
 * Learning-rate schedules as pure functions of the iteration, with detectron2's semantics: the
 * lr at iteration `iter` (0-based, the value used by the iter-th optimizer step) is
 * baseLr · warmupFactor(iter) · scheduleFactor(iter). The warmup multiplies the schedule, as in
 * Mask2Former's WarmupPolyLR and detectron2's WarmupMultiStepLR / WarmupCosineLR.
 */
import { EngineError } from '../errors.js';

export interface Warmup {
  /** Multiplier at iteration 0 (detectron2 WARMUP_FACTOR, e.g. 0.001). */
  factor: number;
  /** Iterations until the multiplier reaches 1 (WARMUP_ITERS). */
  iters: number;
  /** 'linear' ramps from `factor` to 1; 'constant' holds `factor`. Default 'linear'. */
  method?: 'linear' | 'constant';
}

export type LrSchedule = { warmup?: Warmup } & (
  | { kind: 'constant' }
  /** lr · gamma^(number of milestones ≤ iter) (WarmupMultiStepLR). */
  | { kind: 'step'; milestones: readonly number[]; gamma: number }
  /** lr · (1 − iter/maxIters)^power (WarmupPolyLR; power 0.9 by default); `constantEnding` floors the factor. */
  | { kind: 'poly'; maxIters: number; power?: number; constantEnding?: number }
  /** lr · ½(1 + cos(π·iter/maxIters)) (WarmupCosineLR). */
  | { kind: 'cosine'; maxIters: number }
);

/** detectron2's _get_warmup_factor_at_iter. */
export function warmupFactorAt(iter: number, warmup: Warmup | undefined): number {
  if (!warmup || iter >= warmup.iters) return 1;
  if ((warmup.method ?? 'linear') === 'constant') return warmup.factor;
  const alpha = iter / warmup.iters;
  return warmup.factor * (1 - alpha) + alpha;
}

function checkSchedule(s: LrSchedule): void {
  if (s.kind === 'step') {
    for (let i = 1; i < s.milestones.length; i++) {
      if (!(s.milestones[i]! > s.milestones[i - 1]!)) {
        throw new EngineError(`lr schedule: milestones [${s.milestones}] must increase`);
      }
    }
  }
  if ((s.kind === 'poly' || s.kind === 'cosine') && !(s.maxIters > 0)) {
    throw new EngineError(`lr schedule '${s.kind}': maxIters ${s.maxIters} must be positive`);
  }
}

/** The schedule's multiplier of the base lr at `iter` (warmup included). */
export function lrFactorAt(iter: number, schedule: LrSchedule): number {
  checkSchedule(schedule);
  const warm = warmupFactorAt(iter, schedule.warmup);
  switch (schedule.kind) {
    case 'constant':
      return warm;
    case 'step': {
      let passed = 0;
      for (const m of schedule.milestones) if (m <= iter) passed++;
      return warm * schedule.gamma ** passed;
    }
    case 'poly': {
      // Past maxIters the base of the power would go negative; hold the final value instead.
      const decay = Math.pow(
        1 - Math.min(iter, schedule.maxIters) / schedule.maxIters,
        schedule.power ?? 0.9,
      );
      const ending = schedule.constantEnding ?? 0;
      if (ending > 0 && warm === 1 && decay < ending) return ending;
      return warm * decay;
    }
    case 'cosine':
      return warm * 0.5 * (1 + Math.cos((Math.PI * Math.min(iter, schedule.maxIters)) / schedule.maxIters));
  }
}

export function lrAt(iter: number, baseLr: number, schedule: LrSchedule): number {
  return baseLr * lrFactorAt(iter, schedule);
}
