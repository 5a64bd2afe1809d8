// Tile size experiments: C[M,N] = A[M,K] B[K,N] row-major, vec4 loads, TM x TN (TN multiple of 4) per invocation.
import { engine, keep, randn, Tensor, kernel, type KernelSpec, matmul, tidy } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';

async function time(fn: () => void, reps: number) {
  fn(); await engine().sync();
  let best = Infinity;
  for (let trial = 0; trial < 5; trial++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    await engine().sync();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best;
}
const P = [{ name: 'M', type: 'u32' as const }, { name: 'N', type: 'u32' as const }, { name: 'K', type: 'u32' as const }];
const C4 = ['x', 'y', 'z', 'w'];
function tileKernel(tm: number, tn: number, wg: number): KernelSpec {
  const R = Array.from({ length: tm }, (_, i) => i);
  const Cs = Array.from({ length: tn / 4 }, (_, j) => j);
  const lines: string[] = [];
  for (const t of [0, 1, 2, 3]) for (const j of Cs) lines.push(`let b${t}_${j} = b[((k + ${t}u) * params.N + n0 + ${4 * j}u) >> 2u];`);
  for (const i of R) {
    lines.push(`let a${i} = a[((m0 + ${i}u) * params.K + k) >> 2u];`);
    for (const j of Cs) lines.push(`acc${i}_${j} += a${i}.x * b0_${j} + a${i}.y * b1_${j} + a${i}.z * b2_${j} + a${i}.w * b3_${j};`);
  }
  return kernel({
    name: `t${tm}x${tn}_${wg}`,
    bindings: [
      { name: 'a', type: 'vec4<f32>', access: 'read' },
      { name: 'b', type: 'vec4<f32>', access: 'read' },
      { name: 'c', type: 'vec4<f32>', access: 'read_write' },
    ],
    params: P,
    workgroupSize: [wg, 1, 1],
    body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = wid.x * WG_X + lid;
  let nt = params.N / ${tn}u;
  if (t >= nt * (params.M / ${tm}u)) { return; }
  let n0 = (t % nt) * ${tn}u; let m0 = (t / nt) * ${tm}u;
${R.map((i) => Cs.map((j) => `  var acc${i}_${j} = vec4<f32>(0.0);`).join('\n')).join('\n')}
  for (var k = 0u; k < params.K; k += 4u) {
    ${lines.join('\n    ')}
  }
${R.map((i) => Cs.map((j) => `  c[((m0 + ${i}u) * params.N + n0 + ${4 * j}u) >> 2u] = acc${i}_${j};`).join('\n')).join('\n')}
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
    const reps = Math.max(1, Math.round(2e8 / flop / 20));
    const res: string[] = [];
    for (let round = 0; round < 1; round++) {
      res.push(`reg=${(await time(() => void tidy(() => matmul(a, b)), reps)).toFixed(2)}`);
      for (const [tm, tn] of [[4, 4], [8, 4], [4, 8], [8, 8]]) for (const wg of [16, 64]) {
        const spec = tileKernel(tm, tn, wg);
        const inv = (M * N) / (tm * tn);
        const ms = await time(() => engine().stream.dispatch(spec, [{ buffer: a.buffer }, { buffer: b.buffer }, { buffer: c.buffer }], { M, N, K }, [Math.ceil(inv / wg), 1, 1]), reps);
        res.push(`${tm}x${tn}/wg${wg}=${ms.toFixed(2)}`);
      }
    }
    console.log(`M=${M} N=${N} K=${K} (ms):\n  ${res.join('  ')}`);
  }
  process.exit(0);
}
main();
