import { conv2d, engine, keep, randn, tidy, backward, type Tensor } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
async function main() {
  await startNodeEngine();
  const x = keep(randn([2, 64, 16, 16], { seed: 1 }));
  const w = keep(randn([64, 64, 3, 3], { seed: 2 }));
  x.requiresGrad = true; w.requiresGrad = true;
  const step = () => void tidy(() => { const o = conv2d(x, w, null, { padding: 1 }); backward(o, o); for (const t of [x, w] as Tensor[]) { t.grad?.dispose(); t.grad = null; } });
  step(); await engine().sync();
  engine().startProfiling();
  for (let i = 0; i < 4; i++) step();
  await engine().sync();
  const t = await engine().stopProfiling();
  for (const k of t) console.log(k.kernel.padEnd(50), k.dispatches, (k.totalMs / k.dispatches).toFixed(2));
  process.exit(0);
}
main();
