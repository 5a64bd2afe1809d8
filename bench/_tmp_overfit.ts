import { startNodeEngine } from '../runners/node/engine.js';
import { engine, tidy, tidyAsync, noGrad, interpolate } from '../engine/index.js';
import { synthTrainBatch, synthTrainingSamples } from './model.js';
import { loadConfigFile } from '../pointvis/io/config-file.js';
import { criterionFromConfig, mask2formerFromConfig, trainStep, disposeTrainStepResult } from '../model/mask2former/index.js';
import { buildOptimizer } from '../pointvis/train/param-groups.js';
await startNodeEngine();
const [nImg, steps, lr, ...overrides] = process.argv.slice(2);
const cfg = loadConfigFile('configs/mask2former/cpu-tiny.yaml', [...overrides, `solver.baseLr=${lr}`]);
const model = mask2formerFromConfig(cfg);
const samples = synthTrainingSamples(Number(nImg), 3);
console.log('objects', samples.map((s) => s.instances.map((i) => `${i.classIndex}:${i.mask.reduce((a, b) => a + b, 0)}`).join(',')));
const batch = tidy(() => synthTrainBatch(cfg, samples));
const criterion = criterionFromConfig(cfg);
const { optimizer } = buildOptimizer(model, cfg.solver);
async function miou() {
  model.eval();
  const data = await tidyAsync(async () => noGrad(() => { const o = model.forward(batch.images); return interpolate(o.predMasks, { size: [64, 64] }); }).data());
  model.train();
  const q = cfg.model.decoder.numQueries;
  let sum = 0, n = 0;
  samples.forEach((s, b) => s.instances.forEach((inst) => {
    let best = 0;
    for (let k = 0; k < q; k++) {
      let inter = 0, uni = 0;
      const base = (b * q + k) * 4096;
      for (let p = 0; p < 4096; p++) { const m = data[base + p]! > 0 ? 1 : 0; inter += m & inst.mask[p]!; uni += m | inst.mask[p]!; }
      best = Math.max(best, uni ? inter / uni : 0);
    }
    sum += best; n++;
  }));
  return sum / n;
}
const t0 = performance.now();
console.log('initial miou', (await miou()).toFixed(3));
for (let s = 0; s < Number(steps); s++) {
  const read = s % 5 === 4 || s === 0;
  const r = await trainStep(model, criterion, optimizer, batch, { step: s, read });
  if (read) console.log(s, 'loss', r.values!.get('loss')!.toFixed(3), 'ce', r.values!.get('loss_ce')!.toFixed(3), 'mask', r.values!.get('loss_mask')!.toFixed(3), 'dice', r.values!.get('loss_dice')!.toFixed(3), ((performance.now() - t0) / 1000).toFixed(1) + 's');
  disposeTrainStepResult(r);
  if (s % 10 === 9) console.log('miou', (await miou()).toFixed(3));
}
process.exit(0);
