/**
 * Threads per row for the row-reduction kernels (reductions, softmax). GPUs get up to 256 so a
 * long row is read by a whole workgroup. CPU adapters (SwiftShader) run invocations as
 * coroutines and pay heavily per barrier and per workgroup, so there a row gets at most 4
 * threads, and 1 when there are many rows (measured: 10–50× faster than 256 on 256×1024).
 */
import { engine } from '../runtime.js';

export function threadsPerRow(rows: number, cols: number): number {
  const cap = engine().gpu.report.isCpu ? (rows >= 2048 ? 1 : 4) : 256;
  let tpr = 1;
  while (tpr < Math.min(cap, Math.ceil(cols / 4))) tpr *= 2;
  return tpr;
}
