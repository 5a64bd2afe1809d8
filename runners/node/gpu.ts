/**
 * WebGPU in Node through Dawn (npm `webgpu`). Picks the hardware adapter when there is one,
 * otherwise SwiftShader from Debian's chromium package (a Vulkan CPU driver), and otherwise
 * stops with a message that says exactly what to install.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GpuDevice, acquireDevice } from '../../engine/device.js';
import { NoAdapterError } from '../../engine/errors.js';
import { dawnPollMsFromEnv, throttleDawnPolling } from './dawn-polling.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
export const INSTALL_HINT =
  'Install a Vulkan driver: on Debian as root, `apt-get install -y chromium libvulkan1` ' +
  '(Chromium ships SwiftShader, a CPU Vulkan driver), or run `bash tools/setup.sh`.';

export type AdapterChoice = 'auto' | 'hardware' | 'swiftshader' | 'gles';

/** A GPU device node and a Vulkan driver manifest: worth asking Dawn for a hardware adapter. */
function hardwareLikelyPresent(): boolean {
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const gpuNodes =
    (existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'))) ||
    existsSync('/dev/nvidia0');
  const manifests = ICD_DIRS.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
  return gpuNodes && manifests;
}

interface DawnModule {
  create: (options: string[]) => GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | null = null;
// Dawn instances must stay referenced or their devices die with them.
const instances: GPU[] = [];

async function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    dawn = (await import('webgpu')) as unknown as DawnModule;
    Object.assign(globalThis, dawn.globals);
  }
  return dawn;
}

/** The adapter choice from POINTVIS_ADAPTER (auto | hardware | swiftshader | gles). */
export function adapterChoiceFromEnv(): AdapterChoice {
  const v = (process.env.POINTVIS_ADAPTER ?? 'auto').toLowerCase();
  if (v === 'auto' || v === 'hardware' || v === 'swiftshader' || v === 'gles') return v;
  throw new NoAdapterError(`POINTVIS_ADAPTER=${v}: expected auto, hardware, swiftshader or gles`);
}

export async function acquireNodeDevice(choice: AdapterChoice = adapterChoiceFromEnv()): Promise<GpuDevice> {
  const device = await acquireAdapterDevice(choice);
  // CPU adapters share the cores with Dawn's event polling: space the polls (dawn-polling.ts).
  if (device.report.isCpu) throttleDawnPolling(dawnPollMsFromEnv());
  return device;
}

async function acquireAdapterDevice(choice: AdapterChoice): Promise<GpuDevice> {
  // Vulkan's window-system code complains on every start when this is unset (headless machines).
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'pointvis-xdg-'));
  const { create } = await loadDawn();
  const tryHardware = choice === 'hardware' || (choice === 'auto' && hardwareLikelyPresent());
  if (tryHardware) {
    const gpu = create([]);
    instances.push(gpu);
    try {
      return await acquireDevice(gpu, { origin: 'Dawn (Vulkan) in Node', installHint: INSTALL_HINT });
    } catch (err) {
      if (choice === 'hardware') throw err;
    }
  }
  if (choice === 'gles') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const gpu = create(['backend=opengles']);
    instances.push(gpu);
    return acquireDevice(gpu, {
      origin: 'Dawn (OpenGL ES) in Node',
      featureLevel: 'compatibility',
      installHint: 'Install Mesa: `apt-get install -y libegl1 libgles2 libegl-mesa0`.',
    });
  }
  if (!existsSync(SWIFTSHADER_ICD)) {
    throw new NoAdapterError(
      `no WebGPU adapter: no GPU driver and no SwiftShader at ${SWIFTSHADER_ICD}. ${INSTALL_HINT}`,
    );
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const gpu = create(['backend=vulkan']);
  instances.push(gpu);
  return acquireDevice(gpu, { origin: 'Dawn (Vulkan, SwiftShader) in Node', installHint: INSTALL_HINT });
}

/** The platform hook tests and the engine harness use (see package.json "imports"). */
export const acquirePlatformDevice = acquireNodeDevice;
export const platformName = 'node';
