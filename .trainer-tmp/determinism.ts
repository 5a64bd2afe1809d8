import { Command } from 'commander';
import { rmSync } from 'node:fs';
import { register } from '../runners/cli/commands/pretrain.js';
import { readCheckpointFile } from '../pointvis/io/checkpoint-file.js';
const TINY = ['solver.imsPerBatch=2','solver.steps=[]','model.swin.depths=[1,1,1,1]','model.decoder.layers=1','model.decoder.numQueries=8','loss.numPoints=256','loss.matcher.numPoints=256','solver.logPeriod=1','solver.checkpointPeriod=1'];
async function cli(args: string[]) { const p = new Command('pointvis').exitOverride(); register(p); await p.parseAsync(['node','pointvis',...args]); }
const base = ['pretrain','--config','configs/mask2former/cpu-tiny.yaml','--data','/tmp/pv-synth/images/train.json', ...TINY];
for (const d of ['/tmp/rr-c','/tmp/rr-d']) rmSync(d, {recursive: true, force: true});
await cli([...base, '--out', '/tmp/rr-c', 'solver.maxIter=1']);
await cli([...base, '--out', '/tmp/rr-d', 'solver.maxIter=1']);
const a = readCheckpointFile('/tmp/rr-c/model_final.safetensors'), b = readCheckpointFile('/tmp/rr-d/model_final.safetensors');
let diff: string[] = [], maxd = 0;
for (const [n, t] of a.model) { const u = b.model.get(n)!; const x = t.data as Float32Array, y = u.data as Float32Array; let d = 0; for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]-y[i])); if (d > 0) { diff.push(n); maxd = Math.max(maxd, d); } }
console.log('tensors differing', diff.length, 'of', a.model.size, 'max abs diff', maxd, diff.join(' '));
process.exit(0);
