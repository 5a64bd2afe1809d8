import { startNodeEngine } from '../runners/node/engine.js';
import { adapterName } from '../engine/index.js';
import { benchAttention } from '../bench/attention.js';
const eng = await startNodeEngine();
console.log(adapterName(eng.gpu.report));
console.log(JSON.stringify(await benchAttention(), null, 1));
process.exit(0);
