/**
 * Launch policy of the reduction-shaped kernels (reductions, softmax, normalisation, column sums,
 * gradient-norm sums, scans). GPUs get cooperative workgroups: up to 256 threads per row and
 * tree reductions in workgroup memory. CPU adapters (SwiftShader) run a workgroup that uses
 * barriers or workgroup memory as coroutines and pay milliseconds per such workgroup, so there
 * the barrier-free "serial" kernel variants run instead: one invocation per output, looping (see
 * shaders/core/serial.ts; on SwiftShader 20–300× faster than the cooperative kernels on the
 * cpu-tiny model's small rows and columns).
 *
 * The same switch picks the CPU forms of the GEMM family: 8x8 register tiles (matmul.ts,
 * `chooseGemmPlan`) and explicit convolution columns instead of implicit im2col gathers
 * (conv-columns.ts), so tests can run either form on any adapter.
 */
import { engine } from '../runtime.js';

let forced: 'gpu' | 'cpu' | null = null;

/** Tests: run the GPU (or CPU) policy on any adapter, so both kernel variants are checked. */
export function forceReducePolicy(policy: 'gpu' | 'cpu' | null): void {
  forced = policy;
}

/** True when the barrier-free serial kernel variants should run (CPU adapters, or forced). */
export function useSerialKernels(): boolean {
  return forced ? forced === 'cpu' : engine().gpu.report.isCpu;
}

/** GPU row kernels: threads per row, up to 256 so a long row is read by a whole workgroup. */
export function threadsPerRow(cols: number): number {
  let tpr = 1;
  while (tpr < Math.min(256, Math.ceil(cols / 4))) tpr *= 2;
  return tpr;
}

/** GPU reductions: workgroups a long reduction is split into, enough to fill a GPU. */
export const SPLIT_TARGET = 1024;
