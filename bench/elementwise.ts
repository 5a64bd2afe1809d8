/**
 * Memory throughput of the elementwise, reduction and softmax kernels: GB/s of the minimum
 * traffic each op needs (every input read once, the output written once), timed with
 * `engine().sync()` around many repetitions (no readbacks inside).
 */
import {
  type Tensor,
  add,
  engine,
  gelu,
  keep,
  permute,
  softmax,
  sum,
  tensor,
  tidy,
} from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

function randomTensor(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s / 4294967296 - 0.5;
  }
  return keep(tensor(data, shape));
}

interface Case {
  name: string;
  /** Bytes the op must move at minimum. */
  bytes: number;
  run: () => void;
}

function casesFor(n: number): { cases: Case[]; inputs: Tensor[] } {
  const cols = 1024;
  const rows = n / cols;
  const a = randomTensor([rows, cols]);
  const b = randomTensor([rows, cols]);
  const bias = randomTensor([cols]);
  const square = Math.sqrt(n);
  const sq = Number.isInteger(square) ? randomTensor([square, square]) : null;
  const cases: Case[] = [
    { name: 'add_dense', bytes: 12 * n, run: () => void add(a, b) },
    { name: 'add_broadcast_row', bytes: 8 * n + 4 * cols, run: () => void add(a, bias) },
    { name: 'add_scalar', bytes: 8 * n, run: () => void add(a, 1.5) },
    { name: 'gelu', bytes: 8 * n, run: () => void gelu(a) },
    { name: 'sum_all', bytes: 4 * n, run: () => void sum(a) },
    { name: 'sum_last_axis', bytes: 4 * n, run: () => void sum(a, 1) },
    { name: 'sum_first_axis', bytes: 4 * n, run: () => void sum(a, 0) },
    { name: 'softmax_rows_1024', bytes: 8 * n, run: () => void softmax(a, 1) },
  ];
  if (sq) {
    const t = permute(sq, [1, 0]);
    cases.push({ name: 'add_transposed', bytes: 12 * n, run: () => void add(t, sq) });
  }
  return { cases, inputs: [a, b, bias, ...(sq ? [sq] : [])] };
}

/** GB/s for add (dense, broadcast), gelu, sum (all / last / first axis) and softmax. */
export async function benchElementwise(): Promise<BenchEntry[]> {
  const isCpu = engine().gpu.report.isCpu;
  const sizes = isCpu ? [1 << 14, 1 << 18] : [1 << 16, 1 << 20, 1 << 24];
  const results: BenchEntry[] = [];
  for (const n of sizes) {
    const { cases, inputs } = casesFor(n);
    for (const c of cases) {
      const reps = Math.max(3, Math.min(200, Math.round((isCpu ? 1 << 20 : 1 << 28) / c.bytes)));
      const ms = await timeGpu(() => tidy(c.run), reps);
      results.push({ name: c.name, size: n, ms, gbPerS: c.bytes / (ms * 1e6) });
    }
    inputs.forEach((t) => t.dispose());
    await engine().sync();
  }
  return results;
}
