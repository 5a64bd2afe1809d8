import { engine, keep, randn, Tensor, kernel, type KernelSpec, matmul, tidy } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
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

// Direct conv: invocation = 4 output channels x 4 consecutive ox of one output row.
function directConv(wg: number): KernelSpec {
  return kernel({
    name: `direct_conv3_${wg}`,
    bindings: [
      { name: 'w', type: 'f32', access: 'read' },
      { name: 'x', type: 'f32', access: 'read' },
      { name: 'c', type: 'vec4<f32>', access: 'read_write' },
    ],
    params: [{ name: 'C', type: 'u32' }, { name: 'O', type: 'u32' }, { name: 'H', type: 'u32' }, { name: 'W', type: 'u32' }, { name: 'OH', type: 'u32' }, { name: 'OW', type: 'u32' }],
    workgroupSize: [wg, 1, 1],
    body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let owq = params.OW / 4u;
  let npix4 = params.OH * owq;
  let t = gid.x;
  let zb = gid.z;
  if (t >= npix4 * (params.O / 4u)) { return; }
  let co0 = (t / npix4) * 4u;
  let pq = t % npix4;
  let oy = pq / owq;
  let ox0 = (pq % owq) * 4u;
  let hw = params.H * params.W;
  let xb = zb * params.C * hw;
  let kk = params.C * 9u;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var ci = 0u; ci < params.C; ci++) {
    let wb = co0 * kk + ci * 9u;
    let xc = xb + ci * hw;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = i32(oy + ky) - 1;
      if (iy < 0 || iy >= i32(params.H)) { continue; }
      let xr = xc + u32(iy) * params.W;
      for (var kx = 0u; kx < 3u; kx++) {
        let ix0 = i32(ox0 + kx) - 1;
        var xv = vec4<f32>(0.0);
        for (var j = 0; j < 4; j++) {
          let ix = ix0 + j;
          if (ix >= 0 && ix < i32(params.W)) { xv[j] = x[xr + u32(ix)]; }
        }
        let wo = wb + ky * 3u + kx;
        acc0 += w[wo] * xv;
        acc1 += w[wo + kk] * xv;
        acc2 += w[wo + 2u * kk] * xv;
        acc3 += w[wo + 3u * kk] * xv;
      }
    }
  }
  let ob = (zb * params.O + co0) * params.OH * params.OW + oy * params.OW + ox0;
  let opl = params.OH * params.OW;
  c[ob >> 2u] = acc0;
  c[(ob + opl) >> 2u] = acc1;
  c[(ob + 2u * opl) >> 2u] = acc2;
  c[(ob + 3u * opl) >> 2u] = acc3;
}
`,
  });
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
  const reg = registerGemmKernel(stridedOperand('a', 'none'), im2colOperand(3, 3), NO_EPILOGUE, true, [16, 1]);
  const am = keep(randn([O, K], { seed: 3 }));
  const bm = keep(randn([K, P], { seed: 4 }));
  const dparams = { C, O, H, W, OH: H, OW: W };
  for (let r = 0; r < 2; r++) {
    await time('reg16x1 im2col', () => engine().stream.dispatch(reg, bufs, base, [P / 64, O / 4, B]));
    await time('dense matmul 64x576x256 x2', () => void tidy(() => { matmul(am, bm); matmul(am, bm); }));
    for (const wg of [16, 64]) {
      const spec = directConv(wg);
      await time(`direct wg${wg}`, () => engine().stream.dispatch(spec, bufs, dparams, [Math.ceil((O / 4) * (P / 4) / wg), 1, B]));
    }
  }
  process.exit(0);
}
main();
