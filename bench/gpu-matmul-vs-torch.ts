/**
 * Our fastest fp32 matmul at 4096³ on this machine's adapter, for comparison with PyTorch on the
 * same GPU (bench/gpu_matmul_torch.py; bench/gpu-matmul.sh runs both and prints the ratio).
 * Times every GEMM version that suits a GPU, checks a sample of outputs against float64 dot
 * products (so a fast wrong kernel can't win), and prints one JSON line:
 *   {adapter, n, variant, ms, tflops, maxRelErr, variants: [{variant, ms, tflops}]}
 * Run: source .gpu/env.sh && node .gpu/gpu-matmul-vs-torch.mjs [n]   (after gpu-pack.sh bundles it)
 *  or  npx tsx bench/gpu-matmul-vs-torch.ts [n]                      (any machine)
 */
import {
  type MatmulVariant,
  type Tensor,
  adapterName,
  engine,
  matmul,
  tensor,
  tidy,
} from '../engine/index.js';
import { startNodeEngine } from '../runners/node/engine.js';

function randomMatrix(n: number, seed: number): Float32Array {
  const out = new Float32Array(n * n);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

/** Milliseconds per product: warm-up (compiles), then `reps` back-to-back dispatches in one sync. */
async function timeVariant(a: Tensor, b: Tensor, variant: MatmulVariant, reps: number): Promise<number> {
  const run = () => void tidy(() => matmul(a, b, { variant }));
  run();
  await engine().sync();
  const start = performance.now();
  for (let i = 0; i < reps; i++) run();
  await engine().sync();
  return (performance.now() - start) / reps;
}

/** Largest relative error over sampled outputs against float64 dot products. */
async function sampledError(a: Float32Array, b: Float32Array, c: Float32Array, n: number): Promise<number> {
  let worst = 0;
  for (let t = 0; t < 64; t++) {
    const i = (t * 2654435761) % n;
    const j = (t * 40503 + 17) % n;
    let ref = 0;
    let scale = 0;
    for (let k = 0; k < n; k++) {
      ref += a[i * n + k]! * b[k * n + j]!;
      scale += Math.abs(a[i * n + k]! * b[k * n + j]!);
    }
    worst = Math.max(worst, Math.abs(c[i * n + j]! - ref) / Math.max(scale, 1e-30));
  }
  return worst;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 4096);
  const eng = await startNodeEngine();
  const report = eng.gpu.report;
  const aData = randomMatrix(n, 1);
  const bData = randomMatrix(n, 2);
  const a = tensor(aData, [n, n]);
  const b = tensor(bData, [n, n]);
  const flops = 2 * n ** 3;
  const candidates: MatmulVariant[] = report.isCpu
    ? ['register']
    : ['tiled128', 'tiled64', 'register', 'auto'];
  const variants: { variant: MatmulVariant; ms: number; tflops: number }[] = [];
  for (const variant of candidates) {
    const reps = report.isCpu ? 1 : 20;
    const ms = await timeVariant(a, b, variant, reps);
    variants.push({ variant, ms, tflops: flops / ms / 1e9 });
  }
  const best = variants.reduce((x, y) => (y.ms < x.ms ? y : x));
  const c = matmul(a, b, { variant: best.variant });
  const maxRelErr = await sampledError(aData, bData, (await c.data()) as Float32Array, n);
  const line = {
    adapter: adapterName(report),
    isCpu: report.isCpu,
    n,
    variant: best.variant,
    ms: best.ms,
    tflops: best.tflops,
    maxRelErr,
    variants,
  };
  console.log(JSON.stringify(line));
  eng.destroy();
  process.exit(maxRelErr < 1e-4 ? 0 : 2);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
