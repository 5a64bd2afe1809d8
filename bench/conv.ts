/**
 * conv2d throughput on the shapes the model runs: Swin's 4x4/4 patch embedding, a 3x3
 * convolution (pixel decoder), a 1x1 projection (a plain matmul) and a depthwise 3x3.
 * Forward for each GEMM kernel version that suits the adapter, then forward + backward (input,
 * weight and bias gradients: 3x the forward FLOPs; 2x for the patch embedding, whose input is
 * the image) with the automatic choice.
 */
import {
  type MatmulVariant,
  type Tensor,
  backward,
  conv2d,
  engine,
  keep,
  randn,
  tidy,
} from '../engine/index.js';
import { convOutputSize } from '../shaders/conv/reference.js';
import { type BenchEntry, timeGpu } from './timing.js';

interface ConvProblem {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  padding: number;
  groups: number;
  /** Whether the input needs a gradient (not for the image fed to the patch embedding). */
  inputGrad: boolean;
}

function problems(isCpu: boolean): ConvProblem[] {
  const [b, s] = isCpu ? [1, 56] : [8, 120];
  return [
    {
      name: 'patch_embed_4x4_s4',
      x: [b, 3, 4 * s, 4 * s],
      w: [96, 3, 4, 4],
      stride: 4,
      padding: 0,
      groups: 1,
      inputGrad: false,
    },
    {
      name: '3x3_s1_p1',
      x: [b, 64, s, s],
      w: [64, 64, 3, 3],
      stride: 1,
      padding: 1,
      groups: 1,
      inputGrad: true,
    },
    {
      name: '1x1',
      x: [b, 256, s / 2, s / 2],
      w: [256, 256, 1, 1],
      stride: 1,
      padding: 0,
      groups: 1,
      inputGrad: true,
    },
    {
      name: 'depthwise_3x3',
      x: [b, 96, s, s],
      w: [96, 1, 3, 3],
      stride: 1,
      padding: 1,
      groups: 96,
      inputGrad: true,
    },
  ];
}

function forwardFlops(p: ConvProblem): number {
  const oh = convOutputSize(p.x[2], p.w[2], p.stride, p.padding, 1);
  const ow = convOutputSize(p.x[3], p.w[3], p.stride, p.padding, 1);
  return 2 * p.x[0] * p.w[0] * oh * ow * p.w[1] * p.w[2] * p.w[3];
}

export async function benchConv(): Promise<BenchEntry[]> {
  const isCpu = engine().gpu.report.isCpu;
  const reps = isCpu ? 2 : 10;
  const variants: MatmulVariant[] = isCpu
    ? ['auto', 'register', 'register8']
    : ['auto', 'naive', 'register', 'tiled64', 'tiled128'];
  const entries: BenchEntry[] = [];
  for (const p of problems(isCpu)) {
    const x = keep(randn(p.x, { seed: 1 }));
    const w = keep(randn(p.w, { seed: 2 }));
    const bias = keep(randn([p.w[0]], { seed: 3 }));
    const options = { stride: p.stride, padding: p.padding, groups: p.groups };
    const flops = forwardFlops(p);
    const shape = `x [${p.x}] w [${p.w}]`;
    for (const variant of variants) {
      const ms = await timeGpu(() => void tidy(() => conv2d(x, w, bias, { ...options, variant })), reps, 1);
      entries.push({ name: `${p.name}_fwd`, variant, shape, ms, gflops: flops / ms / 1e6 });
    }
    const params: Tensor[] = p.inputGrad ? [x, w, bias] : [w, bias];
    for (const t of params) t.requiresGrad = true;
    const step = () =>
      void tidy(() => {
        const out = conv2d(x, w, bias, options);
        backward(out, out);
        for (const t of params) {
          t.grad?.dispose();
          t.grad = null;
        }
      });
    const ms = await timeGpu(step, reps, 1);
    const work = (p.inputGrad ? 3 : 2) * flops;
    entries.push({ name: `${p.name}_fwd_bwd`, variant: 'auto', shape, ms, gflops: work / ms / 1e6 });
    for (const t of [x, w, bias]) t.dispose();
  }
  return entries;
}
