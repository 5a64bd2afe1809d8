import { startNodeEngine } from '../runners/node/engine.js';
import { sum, softmax, tensor, tidy, keep } from '../engine/index.js';
import { timeGpu } from './timing.js';
await startNodeEngine();
for (const [r, c] of [[256, 1024], [64, 4096], [4096, 64], [1, 262144]]) {
  const a = keep(tensor(new Float32Array(r * c).fill(1), [r, c]));
  const ms = await timeGpu(() => tidy(() => void sum(a, 1)), 3);
  const ms2 = await timeGpu(() => tidy(() => void softmax(a, 1)), 3);
  console.log(r, c, 'sum', ms.toFixed(2), 'softmax', ms2.toFixed(2));
}
process.exit(0);
