// Raw tile-shape experiments on SwiftShader: C[M,N] = A[M,K] B[K,N], row-major, dims % 4 == 0.
import { engine, keep, randn, Tensor, kernel, type KernelSpec, matmul, tidy } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';

async function time(fn: () => void, reps: number) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  return (performance.now() - t0) / reps;
}
const P = [{ name: 'M', type: 'u32' as const }, { name: 'N', type: 'u32' as const }, { name: 'K', type: 'u32' as const }];
// tm rows x 4 cols per invocation; A read as vec4 along k (scalar per row if avec=false)
function tileKernel(tm: number, wg: number, vecA: boolean, lanesAlongN: boolean): KernelSpec {
  const rows = Array.from({ length: tm }, (_, i) => i);
  const body = vecA ? `
  for (var k = 0u; k < params.K; k += 4u) {
    let b0 = b[(k * params.N + n0) >> 2u];
    let b1 = b[((k + 1u) * params.N + n0) >> 2u];
    let b2 = b[((k + 2u) * params.N + n0) >> 2u];
    let b3 = b[((k + 3u) * params.N + n0) >> 2u];
${rows.map((i) => `    let a${i} = a[((m0 + ${i}u) * params.K + k) >> 2u];\n    acc${i} += a${i}.x * b0 + a${i}.y * b1 + a${i}.z * b2 + a${i}.w * b3;`).join('\n')}
  }` : `
  for (var k = 0u; k < params.K; k++) {
    let bk = b[(k * params.N + n0) >> 2u];
${rows.map((i) => `    acc${i} += asc[(m0 + ${i}u) * params.K + k] * bk;`).join('\n')}
  }`;
  const idx = lanesAlongN
    ? `let nt = params.N / 4u; let n0 = (t % nt) * 4u; let m0 = (t / nt) * ${tm}u;`
    : `let mt = params.M / ${tm}u; let m0 = (t % mt) * ${tm}u; let n0 = (t / mt) * 4u;`;
  return kernel({
    name: `t${tm}x4_${wg}_${vecA}_${lanesAlongN}`,
    bindings: [
      { name: vecA ? 'a' : 'asc', type: vecA ? 'vec4<f32>' : 'f32', access: 'read' },
      { name: 'b', type: 'vec4<f32>', access: 'read' },
      { name: 'c', type: 'vec4<f32>', access: 'read_write' },
    ],
    params: P,
    workgroupSize: [wg, 1, 1],
    body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x * WG_X + lid;
  if (t >= params.M * params.N / ${4 * tm}u) { return; }
  ${idx}
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  ${body}
${rows.map((i) => `  c[((m0 + ${i}u) * params.N + n0) >> 2u] = acc${i};`).join('\n')}
}
`,
  });
}

async function main() {
  await startNodeEngine();
  for (const [M, N, K] of [[64, 64, 64], [256, 256, 256], [64, 256, 576]] as const) {
    const a = keep(randn([M, K], { seed: 1 }));
    const b = keep(randn([K, N], { seed: 2 }));
    const c = keep(Tensor.empty([M, N]));
    const flop = 2 * M * N * K;
    const reps = Math.max(2, Math.round(2e8 / flop / 10));
    const res: string[] = [];
    for (let round = 0; round < 2; round++) {
      res.push(`reg=${(await time(() => void tidy(() => matmul(a, b)), reps)).toFixed(2)}`);
      for (const tm of [1, 2, 4]) for (const wg of [16, 64]) for (const vecA of [true, false]) for (const along of [true, false]) {
        const spec = tileKernel(tm, wg, vecA, along);
        const inv = (M * N) / (4 * tm);
        const ms = await time(() => engine().stream.dispatch(spec, [{ buffer: a.buffer }, { buffer: b.buffer }, { buffer: c.buffer }], { M, N, K }, [Math.ceil(inv / wg), 1, 1]), reps);
        res.push(`${tm}x4/wg${wg}/${vecA ? 'vA' : 'sA'}/${along ? 'n' : 'm'}=${ms.toFixed(2)}`);
      }
    }
    console.log(`M=${M} N=${N} K=${K} (ms):\n  ${res.join('  ')}`);
  }
  process.exit(0);
}
main();
