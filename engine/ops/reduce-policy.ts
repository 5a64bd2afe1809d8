/**
 * Threads per row for the row-reduction kernels (reductions, softmax). GPUs get up to 256 so a
 * long row is read by a whole workgroup. CPU adapters (SwiftShader) run invocations as
 * coroutines and pay heavily per barrier and per workgroup, so there a row gets few threads
 * (measured on SwiftShader: 10–50× faster than 256 threads on 256×1024).
 */
import { engine } from '../runtime.js';

let forced: 'gpu' | 'cpu' | null = null;

/** Tests: run the GPU (or CPU) policy on any adapter, so both code paths are checked. */
export function forceReducePolicy(policy: 'gpu' | 'cpu' | null): void {
  forced = policy;
}

function cpuPolicy(): boolean {
  return forced ? forced === 'cpu' : engine().gpu.report.isCpu;
}

export function threadsPerRow(rows: number, cols: number): number {
  const cap = cpuPolicy() ? (rows >= 2048 ? 1 : rows >= 64 ? 4 : 16) : 256;
  let tpr = 1;
  while (tpr < Math.min(cap, Math.ceil(cols / 4))) tpr *= 2;
  return tpr;
}

/**
 * Workgroups a long reduction is split into: enough to fill a GPU. On a CPU adapter each
 * workgroup costs about a millisecond whatever its work, so there rows are never split.
 */
export function splitTarget(): number {
  return cpuPolicy() ? 1 : 1024;
}
