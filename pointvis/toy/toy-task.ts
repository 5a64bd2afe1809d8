/**
 * The toy task `pointvis doctor` trains (and the engine's end-to-end test): two interleaved
 * spirals, a 2-64-64-2 MLP, cross-entropy and AdamW. It exercises matmul, elementwise ops,
 * reductions, the loss, autograd and the optimizer on whatever adapter is present.
 */
import {
  AdamW,
  argmax,
  backward,
  crossEntropy,
  engine,
  eq,
  mean,
  tensor,
  tidyAsync,
  cast,
} from '../../engine/index.js';
import { Mlp } from '../../model/nn/mlp.js';

export interface ToyResult {
  steps: number;
  firstLoss: number;
  lastLoss: number;
  accuracy: number;
  targetAccuracy: number;
  passed: boolean;
  seconds: number;
  /** Live tensor bytes and buffers ever created, after each step: flat when nothing leaks. */
  liveBytesPerStep: number[];
  createdBuffersPerStep: number[];
}

export const TOY_CLASSES = 3;

/** Three interleaved spiral arms of `perClass` points each, 1.5 turns long (deterministic). */
export function spirals(perClass: number): { xy: number[]; labels: number[] } {
  const xy: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < TOY_CLASSES; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = 0.1 + (0.9 * i) / perClass;
      const angle = 3 * Math.PI * (i / perClass) + (2 * Math.PI * c) / TOY_CLASSES;
      xy.push(r * Math.cos(angle), r * Math.sin(angle));
      labels.push(c);
    }
  }
  return { xy, labels };
}

export async function trainToyTask(options: {
  steps: number;
  seed?: number;
  targetAccuracy?: number;
  log?: (line: string) => void;
}): Promise<ToyResult> {
  const { steps, seed = 1, targetAccuracy = 0.95, log = () => {} } = options;
  const started = performance.now();
  const data = spirals(128);
  const n = data.labels.length;
  const x = tensor(data.xy, [n, 2]);
  const y = tensor(data.labels, [n], 'i32');
  const model = new Mlp([2, 64, 64, TOY_CLASSES], seed);
  const optimizer = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0 });
  let firstLoss = NaN;
  let lastLoss = NaN;
  const liveBytesPerStep: number[] = [];
  const createdBuffersPerStep: number[] = [];
  for (let step = 0; step < steps; step++) {
    const readLoss = step === 0 || step === steps - 1 || step % 25 === 0;
    const loss = await tidyAsync(async () => {
      optimizer.zeroGrad();
      const l = crossEntropy(model.forward(x), y);
      backward(l);
      optimizer.step();
      return readLoss ? await l.item() : NaN;
    });
    const pool = engine().pool.snapshot();
    liveBytesPerStep.push(pool.liveBytes);
    createdBuffersPerStep.push(pool.createdBuffers);
    if (step === 0) firstLoss = loss;
    if (readLoss) {
      lastLoss = loss;
      log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
    }
  }
  optimizer.zeroGrad();
  const accuracy = await tidyAsync(async () => {
    const predicted = argmax(model.forward(x), 1);
    return mean(cast(eq(cast(predicted, 'i32'), y), 'f32')).item();
  });
  optimizer.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return {
    steps,
    firstLoss,
    lastLoss,
    accuracy,
    targetAccuracy,
    passed: accuracy >= targetAccuracy,
    seconds: (performance.now() - started) / 1000,
    liveBytesPerStep,
    createdBuffersPerStep,
  };
}
