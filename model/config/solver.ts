/** The engine's lr schedule from the solver section (kept apart from the optimiser code). */
import type { LrSchedule } from '../../engine/index.js';
import type { SolverConfig } from './types.js';

export function lrScheduleFromConfig(s: SolverConfig): LrSchedule {
  const warmup = { factor: s.warmup.factor, iters: s.warmup.iters, method: s.warmup.method };
  switch (s.schedule) {
    case 'constant':
      return { kind: 'constant', warmup };
    case 'step':
      return { kind: 'step', milestones: [...s.steps], gamma: s.gamma, warmup };
    case 'poly':
      return { kind: 'poly', maxIters: s.maxIter, power: s.polyPower, warmup };
    case 'cosine':
      return { kind: 'cosine', maxIters: s.maxIter, warmup };
  }
}
