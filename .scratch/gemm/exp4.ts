import { engine, keep, randn, Tensor, type KernelSpec } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
import { stridedOperand, NO_EPILOGUE, stridedOperandValues, type GemmOperand } from '../../shaders/matmul/gemm-operand.js';
import { im2colOperand } from '../../shaders/conv/operands.js';
import { registerGemmKernel } from '../../shaders/matmul/gemm-register.js';

const B = 2, C = 64, H = 16, W = 16, O = 64;
const K = C * 9, P = H * W;
async function time(fn: () => void, reps = 3) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  return (performance.now() - t0) / reps;
}
function patched(name: string, load: string, kinfo?: string): GemmOperand {
  const op = im2colOperand(3, 3);
  let wgsl = op.wgsl.replace(/fn b_load\([\s\S]*?\n}\n/, load);
  if (kinfo) wgsl = wgsl.replace(/fn b_kinfo\([\s\S]*?\n}\n/, kinfo);
  return { ...op, key: name, wgsl };
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
  const ops: [string, GemmOperand][] = [
    ['orig', im2colOperand(3, 3)],
    ['nocheck', patched('nochk', `fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  return b[base + kk.coff + u32(line.iy0 + kk.ky) * params.b_w + u32(line.ix0 + kk.kx)];
}
`)],
    ['nogather', patched('nog', `fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  return b[base + kk.coff + u32(line.iy0 + 1) * params.b_w + u32(line.ix0 + 1)];
}
`)],
    ['nokinfo', patched('nok', `fn b_load(base: u32, line: b_line_t, kk: b_k_t) -> f32 {
  return b[base + kk.coff + u32(line.iy0 + 1) * params.b_w + u32(line.ix0 + 1)];
}
`, `fn b_kinfo(k: u32) -> b_k_t { return b_k_t(k, 0, 0); }
`)],
  ];
  for (let r = 0; r < 2; r++) {
    const res: string[] = [];
    for (const [label, op] of ops) {
      for (const wg of [[8, 8], [16, 1]] as const) {
        const spec = registerGemmKernel(stridedOperand('a', 'k'), op, NO_EPILOGUE, true, wg);
        const grid: [number, number, number] = [Math.ceil(P / (wg[0] * 4)), Math.ceil(O / (wg[1] * 4)), B];
        res.push(`${label}/${wg[0]}x${wg[1]}=${(await time(() => engine().stream.dispatch(spec, bufs, base, grid))).toFixed(1)}`);
      }
    }
    console.log(res.join('  '));
  }
  process.exit(0);
}
main();
