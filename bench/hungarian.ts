import { hungarianBatched, keep, tensor, tidy } from '../engine/index.js';
import { hungarianBatchedReference } from '../shaders/hungarian/reference.js';
import { type BenchEntry, timeGpu } from './timing.js';

/** Mulberry32: the same problems every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function timeCpu(fn: () => void, reps: number): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / reps;
}

/**
 * Batched assignment (one dispatch for the whole batch, costs already on the GPU) against the
 * float64 CPU reference solving the same problems one after another in this process. Shapes as
 * in matching: queries × targets per image. ratio = cpuMs / gpuMs (> 1: the GPU is faster).
 */
export async function benchHungarian(): Promise<BenchEntry[]> {
  const shapes: [number, number, number][] = [
    [16, 100, 20],
    [16, 200, 50],
    [64, 100, 50],
  ];
  const entries: BenchEntry[] = [];
  for (const [batch, rows, cols] of shapes) {
    const random = seeded(batch * 1000 + rows + cols);
    const data = Float32Array.from({ length: batch * rows * cols }, () => random());
    const sizes = Int32Array.from({ length: batch * 2 }, (_, i) => (i % 2 === 0 ? rows : cols));
    const costs = keep(tensor(data, [batch, rows, cols]));
    const sizesT = keep(tensor(sizes, [batch, 2]));
    const gpuMs = await timeGpu(() => tidy(() => void hungarianBatched(costs, sizesT)), 5);
    const cpuMs = timeCpu(() => void hungarianBatchedReference(data, sizes, batch, rows, cols), 5);
    costs.dispose();
    sizesT.dispose();
    entries.push({ name: 'hungarian_batched', batch, rows, cols, gpuMs, cpuMs, ratio: cpuMs / gpuMs });
  }
  return entries;
}
