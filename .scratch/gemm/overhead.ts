import { engine, keep, randn, tidy, linear, zeros, Tensor } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
async function time(label: string, fn: () => void, reps = 20) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(3)} ms`);
}
async function main() {
  await startNodeEngine();
  for (const [M, N, K] of [[4, 4, 4], [32, 32, 4], [32, 32, 64], [64, 64, 64], [40,64,64]] as const) {
    const x = keep(randn([M, K], { seed: 1 }));
    const w = keep(randn([N, K], { seed: 2 }));
    await time(`x100 linear M=${M} N=${N} K=${K}`, () => void tidy(() => { for (let i = 0; i < 100; i++) linear(x, w); }), 3);
  }
  await time(`x100 zeros 16`, () => void tidy(() => { for (let i = 0; i < 100; i++) zeros([16]); }), 3);
  process.exit(0);
}
main();
