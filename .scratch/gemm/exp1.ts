// Experiments: why is the 3x3 im2col register GEMM slow on SwiftShader?
import { engine, keep, randn, Tensor, kernel, type KernelSpec } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
import { gemmKernel } from '../../shaders/matmul/kernels.js';
import { stridedOperand, NO_EPILOGUE, stridedOperandValues } from '../../shaders/matmul/gemm-operand.js';
import { im2colOperand } from '../../shaders/conv/operands.js';
import { registerGemmKernel } from '../../shaders/matmul/gemm-register.js';

const B = 2, C = 64, H = 16, W = 16, O = 64;
const K = C * 9, P = H * W;

async function time(label: string, fn: () => void, reps = 3) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(1)} ms`);
}

async function main() {
  await startNodeEngine();
  const x = keep(randn([B, C, H, W], { seed: 1 }));
  const w = keep(randn([O, C, 3, 3], { seed: 2 }));
  const out = keep(Tensor.empty([B, O, H, W]));
  const la = { off: 0, so: K, sk: 1, sb: [0, 0, 0] as [number, number, number], bd: [1, 1] as [number, number] };
  const base = { M: O, N: P, K, k_chunk: K, nbatch: B, batch_base: 0, m_base: 0, ...stridedOperandValues('a', la),
    b_zstride: C * H * W, b_h: H, b_w: W, b_ow: W, b_sy: 1, b_sx: 1, b_py: 1, b_px: 1, b_dy: 1, b_dx: 1 };
  const bufs = [{ buffer: w.buffer }, { buffer: x.buffer }, { buffer: out.buffer }];
  const run = (spec: KernelSpec, grid: [number, number, number]) => () => engine().stream.dispatch(spec, bufs, base, grid);
  const variants: [string, KernelSpec, [number, number, number]][] = [
    ['reg8x8 a=vec4', registerGemmKernel(stridedOperand('a', 'k'), im2colOperand(3, 3), NO_EPILOGUE, true, [8, 8]), [P / 32, O / 32, B]],
    ['reg8x8 a=scalar', registerGemmKernel(stridedOperand('a', 'none'), im2colOperand(3, 3), NO_EPILOGUE, true, [8, 8]), [P / 32, O / 32, B]],
    ['reg64x1 a=scalar', registerGemmKernel(stridedOperand('a', 'none'), im2colOperand(3, 3), NO_EPILOGUE, true, [64, 1]), [P / 256, O / 4, B]],
    ['reg4x4 a=scalar', registerGemmKernel(stridedOperand('a', 'none'), im2colOperand(3, 3), NO_EPILOGUE, true, [4, 4]), [P / 16, O / 16, B]],
    ['reg16x1 a=scalar', registerGemmKernel(stridedOperand('a', 'none'), im2colOperand(3, 3), NO_EPILOGUE, true, [16, 1]), [P / 64, O / 4, B]],
  ];
  for (const [label, spec, grid] of variants) {
    const s = spec.name + label.replace(/[^a-z0-9]/gi, '');
    await time(label, run({ ...spec, name: s }, grid));
  }
  process.exit(0);
}
main();
