/** Starts the engine on navigator.gpu (runners/browser/gpu.ts) and reports a lost device at once. */
import { type Engine, adapterName, initEngine } from '../../../engine/index.js';
import { acquireBrowserDevice } from '../gpu.js';

export async function startBrowserEngine(onLost: (message: string) => void): Promise<Engine> {
  const gpu = await acquireBrowserDevice();
  const eng = initEngine(gpu);
  void gpu.device.lost.then((info) => {
    // 'destroyed' is our own doing (page teardown); anything else the user must hear about.
    if (info.reason !== 'destroyed') onLost(`WebGPU device lost (${info.reason}): ${info.message}`);
  });
  return eng;
}

/** "SwiftShader (CPU)" style name of the adapter the engine runs on. */
export function describeBrowserAdapter(eng: Engine): string {
  const r = eng.gpu.report;
  return `${adapterName(r)} (${r.isCpu ? 'CPU' : 'GPU'}, ${r.featureLevel})`;
}
