import {
  DeviceLostError,
  EngineError,
  GpuOutOfMemoryError,
  GpuValidationError,
  NoAdapterError,
} from './errors.js';

/** Optional features the engine uses when the adapter has them. */
const WANTED_FEATURES: GPUFeatureName[] = [
  'shader-f16',
  'subgroups',
  'timestamp-query',
  'subgroup-size-control' as GPUFeatureName,
];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters (SwiftShader, llvmpipe) and Dawn's fallback adapter. */
  isCpu: boolean;
  /** Where the adapter came from: 'Dawn (Vulkan, SwiftShader) in Node', 'navigator.gpu', ... */
  backend: string;
  featureLevel: 'core' | 'compatibility';
  features: string[];
  limits: Record<string, number>;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** 'compatibility' for OpenGL ES adapters (Mesa llvmpipe). */
  featureLevel?: 'core' | 'compatibility';
  /** Where the GPU object came from, for error messages ("Dawn in Node", "navigator.gpu"). */
  origin: string;
  /** What to tell the user when no adapter is found. */
  installHint: string;
}

/**
 * The engine's handle on a WebGPU device: the device itself, what the adapter offers, and the
 * errors WebGPU reports asynchronously (collected here and raised at the next sync point).
 */
export class GpuDevice {
  readonly device: GPUDevice;
  readonly report: AdapterReport;
  readonly features: ReadonlySet<string>;
  readonly limits: GPUSupportedLimits;
  private lostReason: string | null = null;
  private readonly pendingErrors: Error[] = [];

  constructor(device: GPUDevice, report: AdapterReport) {
    this.device = device;
    this.report = report;
    this.features = new Set(report.features);
    this.limits = device.limits;
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (event) => {
      const err = (event as GPUUncapturedErrorEvent).error;
      this.recordError(err, 'uncaptured GPU error');
    });
  }

  get isLost(): boolean {
    return this.lostReason !== null;
  }

  /** Throws if the device was lost; called before any work is recorded. */
  assertAlive(context: string): void {
    if (this.lostReason !== null) {
      throw new DeviceLostError(`WebGPU device lost (${this.lostReason}) before ${context}`);
    }
  }

  recordError(err: GPUError, context: string): void {
    if (err instanceof GPUOutOfMemoryError || err.constructor?.name === 'GPUOutOfMemoryError') {
      this.pendingErrors.push(new GpuOutOfMemoryError(`out of GPU memory in ${context}: ${err.message}`));
    } else {
      this.pendingErrors.push(new GpuValidationError(`${context}: ${err.message}`));
    }
  }

  /** Raises the first error WebGPU reported since the last check, if any. */
  throwPendingErrors(): void {
    if (this.lostReason !== null) throw new DeviceLostError(`WebGPU device lost: ${this.lostReason}`);
    const first = this.pendingErrors.shift();
    this.pendingErrors.length = 0;
    if (first) throw first;
  }

  /**
   * Runs `record` inside validation and out-of-memory error scopes; any error is attributed to
   * `context` and raised at the next sync point (WebGPU reports errors asynchronously).
   */
  scoped<T>(context: () => string, record: () => T): T {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const result = record();
    const onError = (err: GPUError | null) => {
      if (err) this.recordError(err, context());
    };
    this.device.popErrorScope().then(onError);
    this.device.popErrorScope().then(onError);
    return result;
  }

  destroy(): void {
    this.device.destroy();
  }
}

function isCpuAdapter(info: GPUAdapterInfo, isFallback: boolean): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return isFallback || /swiftshader|llvmpipe|lavapipe|software|cpu/.test(text);
}

function limitsRecord(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  // GPUSupportedLimits exposes its members as prototype getters.
  for (const key in limits) {
    const value = (limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/**
 * Requests an adapter and a device with the adapter's maximum limits and the optional features
 * it offers. `gpu` comes from the runner: Dawn in Node, navigator.gpu in a browser.
 */
export async function acquireDevice(gpu: GPU, options: AcquireOptions): Promise<GpuDevice> {
  const featureLevel = options.featureLevel ?? 'core';
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
    featureLevel,
  } as GPURequestAdapterOptions);
  if (!adapter) {
    throw new NoAdapterError(`no WebGPU adapter from ${options.origin}. ${options.installHint}`);
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  const adapterLimits = limitsRecord(adapter.limits);
  for (const [key, value] of Object.entries(adapterLimits)) requiredLimits[key] = value;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'pointvis' });
  } catch (err) {
    throw new EngineError(`requestDevice failed on ${options.origin}: ${(err as Error).message}`);
  }
  const info = adapter.info;
  const isFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const report: AdapterReport = {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isCpu: isCpuAdapter(info, isFallback),
    backend: options.origin,
    featureLevel,
    features: [...device.features].sort(),
    limits: limitsRecord(device.limits),
  };
  return new GpuDevice(device, report);
}

/** A one-line name for the adapter, for logs and benchmark output. */
export function adapterName(report: AdapterReport): string {
  const parts = [report.vendor, report.architecture, report.device, report.description].filter((s) => s);
  return parts.join(' / ') || 'unknown adapter';
}
