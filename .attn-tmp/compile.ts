import { startNodeEngine } from '../runners/node/engine.js';
import { engine, type KernelSpec } from '../engine/index.js';
import { attentionForwardKernel } from '../shaders/attention/forward.js';
import { attentionDqKernel, attentionDkvKernel } from '../shaders/attention/backward.js';
import { planTiles } from '../shaders/attention/layout.js';
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
  const info = await module.getCompilationInfo();
  for (const m of info.messages) if (m.type === 'error') console.log(m.lineNum, m.message);
  await dev.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  return (performance.now() - t0).toFixed(0);
}
async function main() {
  await startNodeEngine();
  for (const D of [8, 32]) {
    const p = planTiles('forward', D, D, { maxThreads: 256, maxSharedBytes: 32768 }, false, false)!;
    const f = attentionForwardKernel({ plan: p, bias: false, mask: 'none', split: false });
    console.log(D, 'fwd', await time(f), 'dyn', await time(dyn(f)));
    const pq = planTiles('dq', D, D, { maxThreads: 256, maxSharedBytes: 32768 }, false, false)!;
    const q = attentionDqKernel({ plan: pq, bias: false, mask: 'none', writeDs: false });
    console.log(D, 'dq', await time(q), 'dyn', await time(dyn(q)));
    const pk = planTiles('dkv', D, D, { maxThreads: 256, maxSharedBytes: 32768 }, false, false)!;
    const k = attentionDkvKernel({ plan: pk, bias: false, mask: 'none' });
    console.log(D, 'dkv', await time(k), 'dyn', await time(dyn(k)));
  }
  process.exit(0);
}
main();
