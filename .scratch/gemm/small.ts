import { engine, keep, randn, tidy, linear, matmul, transpose } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
async function time(label: string, fn: () => void, reps = 20) {
  fn(); await engine().sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(2)} ms`);
}
async function main() {
  await startNodeEngine();
  const cases: [number, number, number][] = [[40, 64, 64], [512, 16, 64], [882, 48, 16], [98, 384, 128], [8, 512, 128]];
  for (const [M, N, K] of cases) {
    const x = keep(randn([M, K], { seed: 1 }));
    const w = keep(randn([N, K], { seed: 2 }));
    const b = keep(randn([N], { seed: 3 }));
    await time(`linear M=${M} N=${N} K=${K}`, () => void tidy(() => linear(x, w, b)));
    await time(`  x10 same`, () => void tidy(() => { for (let i = 0; i < 10; i++) linear(x, w, b); }), 5);
  }
  const { fill } = await import('../../engine/index.js') as never;
  process.exit(0);
}
main();
