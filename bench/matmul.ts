/**
 * Matmul throughput per GEMM kernel version (shaders/matmul/kernels.ts), llm.c style: each
 * version forced on the same square problems, plus the automatic choice on a linear layer
 * (x · Wᵀ, the weight read transposed in place). CPU adapters get N = 256, 512, 1024 (v1 only
 * up to 512); GPUs N = 1024, 2048, 4096.
 */
import {
  type MatmulVariant,
  type Tensor,
  engine,
  keep,
  linear,
  matmul,
  randn,
  tidy,
} from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

interface Plan {
  variant: MatmulVariant;
  sizes: number[];
}

function plans(isCpu: boolean): Plan[] {
  if (isCpu) {
    return [
      // v1 does ~0.1 GFLOP/s here: 1024³ would take a minute per run.
      { variant: 'naive', sizes: [256, 512] },
      { variant: 'register', sizes: [256, 512, 1024] },
      { variant: 'register8', sizes: [256, 512, 1024] },
      { variant: 'tiled64', sizes: [256, 512, 1024] },
      { variant: 'tiled128', sizes: [256, 512, 1024] },
      { variant: 'auto', sizes: [256, 512, 1024] },
    ];
  }
  const all = [1024, 2048, 4096];
  return (['naive', 'register', 'tiled64', 'tiled128', 'auto'] as const).map((variant) => ({
    variant,
    sizes: all,
  }));
}

/** Repetitions that keep one measurement near `budgetMs`, from one timed run. */
function repsFor(firstMs: number, budgetMs: number): number {
  return Math.max(1, Math.min(50, Math.round(budgetMs / Math.max(firstMs, 1e-3))));
}

export async function benchMatmul(): Promise<BenchEntry[]> {
  const isCpu = engine().gpu.report.isCpu;
  const budget = isCpu ? 1500 : 400;
  const entries: BenchEntry[] = [];
  const operands = new Map<number, [Tensor, Tensor]>();
  const square = (n: number): [Tensor, Tensor] => {
    let pair = operands.get(n);
    if (!pair) {
      pair = [keep(randn([n, n], { seed: n })), keep(randn([n, n], { seed: n + 1 }))];
      operands.set(n, pair);
    }
    return pair;
  };
  for (const { variant, sizes } of plans(isCpu)) {
    for (const n of sizes) {
      const [a, b] = square(n);
      const run = () => void tidy(() => matmul(a, b, { variant }));
      const first = await timeGpu(run, 1, 1); // the warm-up compiles the kernel
      const ms = await timeGpu(run, repsFor(first, budget), 0);
      entries.push({ name: `matmul_${n}`, variant, m: n, n, k: n, ms, gflops: (2 * n ** 3) / ms / 1e6 });
    }
  }
  // A linear layer as the model uses it: x [rows, in] · W[out, in]ᵀ + b, weight read transposed.
  const [rows, inF, outF] = isCpu ? [1024, 384, 384] : [8192, 1536, 1536];
  const x = keep(randn([rows, inF], { seed: 1 }));
  const w = keep(randn([outF, inF], { seed: 2 }));
  const bias = keep(randn([outF], { seed: 3 }));
  const run = () => void tidy(() => linear(x, w, bias));
  const first = await timeGpu(run, 1, 1);
  const ms = await timeGpu(run, repsFor(first, budget), 0);
  entries.push({
    name: 'linear_bias',
    variant: 'auto',
    m: rows,
    n: outF,
    k: inF,
    ms,
    gflops: (2 * rows * inF * outF) / ms / 1e6,
  });
  for (const t of [x, w, bias, ...[...operands.values()].flat()]) t.dispose();
  return entries;
}
