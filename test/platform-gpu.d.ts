declare module '#platform-gpu' {
  import type { GpuDevice } from '../engine/device.js';
  export function acquirePlatformDevice(): Promise<GpuDevice>;
  export const platformName: string;
}
