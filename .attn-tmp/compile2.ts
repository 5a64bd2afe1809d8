import { startNodeEngine } from '../runners/node/engine.js';
import { engine, type KernelSpec } from '../engine/index.js';
import { attentionForwardKernel } from '../shaders/attention/forward.js';
import { planTiles } from '../shaders/attention/layout.js';
import { softmaxKernel } from '../shaders/reduce/softmax.js';
import { kernelSource } from '../engine/kernel.js';
function dyn(spec: KernelSpec): KernelSpec {
  let body = spec.body;
  const names = ['D4', 'DV4', 'PER_LANE', 'LANES', 'AV4', 'AQ4'];
  for (const n of names) body = body.replace(new RegExp(`< ${n};`, 'g'), `< N_${n};`);
  body = body.replace(/< COLS \/ 4u;/g, '< N_COLS4;');
  body = body.replace('let ninf = -bitcast<f32>(inf_bits);', 'let ninf = -bitcast<f32>(inf_bits);\n  ' + names.map((n) => `N_${n} = select(${n}, 0u, params.total_wg == 0xffffffffu);`).join('\n  ') + '\n  N_COLS4 = select(COLS / 4u, 0u, params.total_wg == 0xffffffffu);');
  body = names.map((n) => `var<private> N_${n}: u32;`).join('\n') + '\nvar<private> N_COLS4: u32;\n' + body;
  return { ...spec, name: spec.name + '_dyn', body };
}
async function time(spec: KernelSpec) {
  const dev = engine().gpu.device;
  const t0 = performance.now();
  const module = dev.createShaderModule({ code: kernelSource(spec) });
  await dev.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  return (performance.now() - t0).toFixed(0);
}
async function main() {
  await startNodeEngine();
  console.log('softmax', await time(softmaxKernel('softmax', 2, 2)));
  for (const [thr, D, cols] of [[64, 8, 16], [32, 8, 16], [64, 32, 16], [128, 32, 16], [128, 32, 32]]) {
    const p = { ...planTiles('forward', D, D, { maxThreads: thr, maxSharedBytes: 32768 }, false, false)!, cols };
    const f = attentionForwardKernel({ plan: p, bias: false, mask: 'none', split: false });
    console.log(thr, D, cols, 'fwd', await time(f), 'dyn', await time(dyn(f)));
  }
  process.exit(0);
}
main();
