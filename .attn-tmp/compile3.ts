import { startNodeEngine } from '../runners/node/engine.js';
import { engine, type KernelSpec } from '../engine/index.js';
import { rowwiseForwardKernel } from '../shaders/attention/rowwise.js';
import { kernelSource } from '../engine/kernel.js';
async function time(spec: KernelSpec) {
  const dev = engine().gpu.device;
  const t0 = performance.now();
  const module = dev.createShaderModule({ code: kernelSource(spec) });
  const info = await module.getCompilationInfo();
  for (const m of info.messages) if (m.type === 'error') console.log(m.lineNum, m.message);
  await dev.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  return (performance.now() - t0).toFixed(0);
}
await startNodeEngine();
for (const D of [4, 32, 64]) for (const R of [1, 2, 4]) console.log(D, R, await time(rowwiseForwardKernel(D, D, R)));
process.exit(0);
