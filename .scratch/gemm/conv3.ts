import { conv2d, engine, keep, randn, tidy, backward, type Tensor } from '../../engine/index.js';
import { startNodeEngine } from '../../runners/node/engine.js';
import { timeGpu } from '../../bench/timing.js';

async function main() {
  await startNodeEngine();
  const shapes: [number[], number[], number][] = [
    [[2, 64, 16, 16], [64, 64, 3, 3], 1],
    [[2, 3, 64, 64], [16, 3, 4, 4], 0],
  ];
  for (const [xs, ws, pad] of shapes) {
    const x = keep(randn(xs, { seed: 1 }));
    const w = keep(randn(ws, { seed: 2 }));
    const stride = pad === 0 ? 4 : 1;
    const ms = await timeGpu(() => void tidy(() => conv2d(x, w, null, { padding: pad, stride })), 3, 1);
    console.log(`fwd x[${xs}] w[${ws}]: ${ms.toFixed(1)} ms`);
    x.requiresGrad = true; w.requiresGrad = true;
    const ms2 = await timeGpu(() => void tidy(() => { const o = conv2d(x, w, null, { padding: pad, stride }); backward(o, o); for (const t of [x, w] as Tensor[]) { t.grad?.dispose(); t.grad = null; } }), 3, 1);
    console.log(`fwd+bwd: ${ms2.toFixed(1)} ms`);
  }
  process.exit(0);
}
main();
