import { Command } from 'commander';
import { rmSync } from 'node:fs';
import { register } from '../runners/cli/commands/pretrain.js';
import { readCheckpointFile } from '../pointvis/io/checkpoint-file.js';
const TINY = ['solver.imsPerBatch=2','solver.steps=[]','model.swin.depths=[1,1,1,1]','model.decoder.layers=1','model.decoder.numQueries=8','loss.numPoints=256','loss.matcher.numPoints=256','solver.logPeriod=1','solver.checkpointPeriod=1'];
async function cli(args: string[]) { const p = new Command('pointvis').exitOverride(); register(p); await p.parseAsync(['node','pointvis',...args]); }
const base = ['pretrain','--config','configs/mask2former/cpu-tiny.yaml','--data','/tmp/pv-synth/images/train.json', ...TINY];
for (const d of ['/tmp/rr-a','/tmp/rr-b']) rmSync(d, {recursive: true, force: true});
await cli([...base, '--out', '/tmp/rr-a', 'solver.maxIter=3']);
await cli([...base, '--out', '/tmp/rr-b', 'solver.maxIter=2']);
await cli([...base, '--out', '/tmp/rr-b', '--resume', 'solver.maxIter=3']);
const a = readCheckpointFile('/tmp/rr-a/model_final.safetensors'), b = readCheckpointFile('/tmp/rr-b/model_final.safetensors');
let diff = 0, maxd = 0;
for (const [n, t] of a.model) { const u = b.model.get(n)!; const x = t.data as Float32Array, y = u.data as Float32Array; let d = 0; for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]-y[i])); if (d > 0) { diff++; maxd = Math.max(maxd, d); } }
console.log('tensors differing', diff, 'of', a.model.size, 'max abs diff', maxd, JSON.stringify(a.rng), JSON.stringify(b.rng));
process.exit(0);
