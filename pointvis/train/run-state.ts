/** How far a training run directory got, for stages that skip or resume trainings. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FINAL_MODEL_FILE, LAST_CHECKPOINT_FILE } from './checkpoint-dir.js';

export type TrainState = 'done' | 'partial' | 'none';

/** done: model_final is there; partial: a checkpoint to resume from; none: nothing yet. */
export function trainRunState(dir: string): TrainState {
  if (existsSync(join(dir, FINAL_MODEL_FILE))) return 'done';
  if (existsSync(join(dir, LAST_CHECKPOINT_FILE))) return 'partial';
  return 'none';
}
