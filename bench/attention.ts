/**
 * Fused attention vs the same attention built from engine ops (matmul, softmax, ...), forward
 * and forward + backward, at a Swin window shape (64 windows of 7x7 tokens, 3 heads of 32, with
 * the relative-position bias and the shift mask) and a Mask2Former decoder cross-attention shape
 * (100 queries over 4096 pixels, 8 heads of 32, boolean mask with some fully blocked rows).
 * `ratio` is unfusedMs / fusedMs (> 1: the fused kernel is faster).
 */
import { type Tensor, attention, backward, engine, keep, randn, tensor, tidy } from '../engine/index.js';
import type { AttentionOptions } from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

interface Problem {
  name: string;
  shape: string;
  q: Tensor;
  k: Tensor;
  v: Tensor;
  options: AttentionOptions;
  grad: Tensor;
  owned: Tensor[];
}

function input(shape: number[], seed: number): Tensor {
  return keep(randn(shape, { seed }));
}

function swinProblem(): Problem {
  const [images, nW, H, L, D] = [4, 16, 3, 49, 32];
  const B = images * nW;
  const rel = input([1, H, L, L], 4);
  // A shift mask in Swin's format: [nW, 1, L, L] of 0 / -100 (the pattern does not change the cost).
  const shiftData = Array.from({ length: nW * L * L }, (_, i) => (((i * 7919) >>> 0) % 5 === 0 ? -100 : 0));
  const shift = keep(tensor(shiftData, [nW, 1, L, L]));
  const q = input([B, H, L, D], 1);
  const k = input([B, H, L, D], 2);
  const v = input([B, H, L, D], 3);
  const grad = input([B, H, L, D], 5);
  return {
    name: 'swin_window',
    shape: `B=${B} (${images} images x ${nW} windows) H=${H} L=${L} D=${D}, rel bias + shift mask`,
    q,
    k,
    v,
    options: { bias: [rel, shift], biasBatchModulo: true },
    grad,
    owned: [q, k, v, rel, shift, grad],
  };
}

function decoderProblem(): Problem {
  const [B, H, Lq, Lk, D] = [1, 8, 100, 4096, 32];
  const q = input([B, H, Lq, D], 11);
  const k = input([B, H, Lk, D], 12);
  const v = input([B, H, Lk, D], 13);
  // ~70% of the keys blocked; queries 0 and 50 fully blocked (they attend everywhere).
  const maskData = new Uint32Array(B * H * Lq * Lk);
  for (let i = 0; i < maskData.length; i++) {
    const row = Math.floor(i / Lk) % Lq;
    const hash = Math.imul(i, 2654435761) >>> 0;
    maskData[i] = row === 0 || row === 50 || hash % 10 < 7 ? 1 : 0;
  }
  const boolMask = keep(tensor(maskData, [B * H, Lq, Lk], 'u32'));
  const grad = input([B, H, Lq, D], 15);
  return {
    name: 'decoder_cross_attention',
    shape: `B=${B} H=${H} Lq=${Lq} Lk=${Lk} D=${D}, bool mask [B*H, Lq, Lk]`,
    q,
    k,
    v,
    options: { mask: boolMask },
    grad,
    owned: [q, k, v, boolMask, grad],
  };
}

async function timePair(p: Problem, withBackward: boolean, reps: number): Promise<BenchEntry> {
  const run = (implementation: 'fused' | 'unfused') => () =>
    tidy(() => {
      for (const t of [p.q, p.k, p.v]) t.requiresGrad = withBackward;
      const out = attention(p.q, p.k, p.v, { ...p.options, implementation });
      if (withBackward) {
        backward(out, p.grad);
        for (const t of [p.q, p.k, p.v]) {
          t.grad?.dispose();
          t.grad = null;
        }
      }
    });
  const fusedMs = await timeGpu(run('fused'), reps);
  const unfusedMs = await timeGpu(run('unfused'), reps);
  for (const t of [p.q, p.k, p.v]) t.requiresGrad = false;
  return {
    name: `${p.name}_${withBackward ? 'fwd_bwd' : 'fwd'}`,
    shape: p.shape,
    // 'auto' picks the rowwise kernels on CPU adapters and the tiled ones on GPUs.
    fusedKernels: engine().gpu.report.isCpu ? 'rowwise' : 'tiled',
    fusedMs,
    unfusedMs,
    ratio: unfusedMs / fusedMs,
  };
}

export async function benchAttention(): Promise<BenchEntry[]> {
  const reps = engine().gpu.report.isCpu ? 3 : 20;
  const results: BenchEntry[] = [];
  for (const make of [swinProblem, decoderProblem]) {
    const p = make();
    results.push(await timePair(p, false, reps));
    results.push(await timePair(p, true, reps));
    for (const t of p.owned) t.dispose();
  }
  return results;
}
