/** WebGPU in a browser tab: navigator.gpu. */
import { type GpuDevice, acquireDevice } from '../../engine/device.js';
import { NoAdapterError } from '../../engine/errors.js';

export async function acquireBrowserDevice(): Promise<GpuDevice> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new NoAdapterError(
      'this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome/Chromium or Edge, ' +
        'or start Chromium with --enable-unsafe-webgpu',
    );
  }
  return acquireDevice(gpu, {
    origin: 'navigator.gpu',
    installHint:
      'Enable WebGPU in the browser (chrome://flags/#enable-unsafe-webgpu) or update the GPU driver.',
  });
}

export const acquirePlatformDevice = acquireBrowserDevice;
export const platformName = 'browser';
