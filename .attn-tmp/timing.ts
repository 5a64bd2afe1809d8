import { startNodeEngine } from '../runners/node/engine.js';
import { attention, randn, tidyAsync, backward, engine, tensor } from '../engine/index.js';
async function main() {
  await startNodeEngine();
  for (const [B, H, Lq, Lk, D] of [[2, 2, 5, 7, 8], [2, 2, 5, 7, 8], [2,2,9,9,8], [1, 3, 40, 100, 32], [1, 3, 40, 100, 32]]) {
    await tidyAsync(async () => {
      const q = randn([B, H, Lq, D], { seed: 1 }), k = randn([B, H, Lk, D], { seed: 2 }), v = randn([B, H, Lk, D], { seed: 3 });
      await engine().sync();
      let t0 = performance.now();
      const o = attention(q, k, v);
      await engine().sync();
      let t1 = performance.now();
      q.requiresGrad = true; k.requiresGrad = true; v.requiresGrad = true;
      const o2 = attention(q, k, v);
      await engine().sync();
      let t2 = performance.now();
      backward(o2, randn(o2.shape, { seed: 4 }));
      await engine().sync();
      let t3 = performance.now();
      console.log(`[${B},${H},${Lq},${Lk},${D}] fwd ${(t1 - t0).toFixed(0)} fwd2 ${(t2 - t1).toFixed(0)} bwd ${(t3 - t2).toFixed(0)} ms`);
    });
  }
  process.exit(0);
}
main();
