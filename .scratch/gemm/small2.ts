import { engine, keep, randn, tidy, linear } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
async function time(label: string, fn: () => void, reps = 10) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(2)} ms`);
}
async function main() {
  await startNodeEngine();
  for (const [M, N, K] of [[32, 64, 256], [32, 256, 64], [40, 64, 64], [32, 64, 64], [32, 64, 128], [32,64,252], [32,64,260]] as const) {
    const x = keep(randn([M, K], { seed: 1 }));
    const w = keep(randn([N, K], { seed: 2 }));
    const b = keep(randn([N], { seed: 3 }));
    await time(`linear M=${M} N=${N} K=${K}`, () => void tidy(() => linear(x, w, b)));
  }
  process.exit(0);
}
main();
