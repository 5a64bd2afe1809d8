/**
 * Mask-loss throughput: effective GB/s (bytes that must cross memory at least once, over wall
 * time between syncs) of the fused sigmoid-CE + dice kernels on Mask2Former's [100, 12544]
 * point logits, forward and forward+backward; the scalar (P % 4 ≠ 0) path, focal loss and
 * cross-entropy for comparison. CPU adapters get smaller sizes so the suite stays quick there.
 */
import {
  type Tensor,
  backward,
  crossEntropy,
  engine,
  gt,
  keep,
  maskLosses,
  rand,
  randint,
  sigmoidFocalLoss,
  tensor,
  tidy,
} from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

const GB = 1e9;

function entry(name: string, shape: string, bytes: number, ms: number, reps: number): BenchEntry {
  return { name, shape, ms, reps, gbPerS: bytes / GB / (ms / 1000) };
}

function maskInputs(rows: number, p: number, seed: number): { x: Tensor; t: Tensor } {
  return tidy(() => {
    const x = keep(rand([rows, p], { seed, low: -4, high: 4 }));
    const t = keep(gt(rand([rows, p], { seed: seed + 1 }), 0.5));
    return { x, t };
  });
}

function dropGrad(x: Tensor): void {
  x.grad?.dispose();
  x.grad = null;
}

export async function benchLoss(): Promise<BenchEntry[]> {
  const small = engine().gpu.report.isCpu;
  const reps = small ? 3 : 50;
  const rows = small ? 20 : 100;
  const results: BenchEntry[] = [];

  // 12544 points per mask (vec4 kernels) and 12545 (scalar kernels).
  for (const p of [12544, 12545]) {
    const { x, t } = maskInputs(rows, p, 7);
    const shape = `[${rows},${p}]`;
    const elems = rows * p;
    const fwd = await timeGpu(() => tidy(() => void maskLosses(x, t, rows).both), reps);
    results.push(entry(`mask_bce_dice_fwd${p % 4 ? '_scalar' : ''}`, shape, 8 * elems, fwd, reps));
    x.requiresGrad = true;
    const seed = keep(tensor([1, 1], [2]));
    const both = await timeGpu(
      () =>
        tidy(() => {
          backward(maskLosses(x, t, rows).both, seed);
          dropGrad(x);
        }),
      reps,
    );
    // Forward reads x, t; backward reads x, t and writes grad x.
    results.push(entry(`mask_bce_dice_fwd_bwd${p % 4 ? '_scalar' : ''}`, shape, 20 * elems, both, reps));
    if (p % 4 === 0) {
      const focal = await timeGpu(
        () =>
          tidy(() => {
            backward(sigmoidFocalLoss(x, t, { numMasks: rows }));
            dropGrad(x);
          }),
        reps,
      );
      results.push(entry('mask_focal_fwd_bwd', shape, 20 * elems, focal, reps));
    }
    seed.dispose();
    x.dispose();
    t.dispose();
  }

  // Class loss: 16 images × 100 queries over 134 classes (+ no-object), weighted mean.
  const [n, c] = small ? [200, 41] : [1600, 134];
  const logits = keep(rand([n, c], { seed: 3, low: -3, high: 3 }));
  const labels = keep(randint([n], 0, c, { seed: 4 }));
  const weight = keep(tensor(Array.from({ length: c }, (_, i) => (i === c - 1 ? 0.1 : 1))));
  logits.requiresGrad = true;
  const ce = await timeGpu(
    () =>
      tidy(() => {
        backward(crossEntropy(logits, labels, { weight }));
        dropGrad(logits);
      }),
    reps,
  );
  // Forward reads logits and labels; backward reads logits and writes their gradient.
  results.push(entry('cross_entropy_fwd_bwd', `[${n},${c}]`, (3 * n * c + n) * 4, ce, reps));
  for (const t of [logits, labels, weight]) t.dispose();
  return results;
}
