import { engine } from '../engine/index.js';

/** Wall time of `reps` runs of `fn` (after `warmup` runs), waiting for the GPU; milliseconds per run. */
export async function timeGpu(fn: () => void, reps: number, warmup = 2): Promise<number> {
  const eng = engine();
  for (let i = 0; i < warmup; i++) fn();
  await eng.sync();
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await eng.sync();
  return (performance.now() - start) / reps;
}

export interface BenchEntry {
  name: string;
  [key: string]: string | number | boolean | null;
}
