/** Starts the engine for a Node command and reports which adapter it got. */
import { type Engine, adapterName, initEngine } from '../../engine/index.js';
import { type AdapterChoice, acquireNodeDevice, adapterChoiceFromEnv } from './gpu.js';

export async function startNodeEngine(choice: AdapterChoice = adapterChoiceFromEnv()): Promise<Engine> {
  const gpu = await acquireNodeDevice(choice);
  return initEngine(gpu);
}

export function describeAdapter(eng: Engine): string {
  const r = eng.gpu.report;
  return `${adapterName(r)} (${r.isCpu ? 'CPU' : 'GPU'}, ${r.featureLevel})`;
}
