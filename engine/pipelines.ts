import type { GpuDevice } from './device.js';
import { EngineError } from './errors.js';
import { type KernelSpec, kernelSource } from './kernel.js';

/**
 * Compute pipelines, created once per distinct WGSL source and reused. Shader compile errors
 * are reported asynchronously by WebGPU; they are recorded against the kernel's name and
 * raised at the next sync point (or at once by `compileAsync`).
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  compiled = 0;

  constructor(private readonly gpu: GpuDevice) {}

  get(spec: KernelSpec): GPUComputePipeline {
    const source = kernelSource(spec);
    const cached = this.pipelines.get(source);
    if (cached) return cached;
    const device = this.gpu.device;
    const pipeline = this.gpu.scoped(
      () => `compiling kernel '${spec.name}'`,
      () => {
        const module = device.createShaderModule({ code: source, label: spec.name });
        reportCompileErrors(this.gpu, spec, module);
        return device.createComputePipeline({
          layout: 'auto',
          compute: { module, entryPoint: 'main' },
          label: spec.name,
        });
      },
    );
    this.pipelines.set(source, pipeline);
    this.compiled++;
    return pipeline;
  }

  /** Compiles now and throws a compile error naming the kernel (used by tests and warm-up). */
  async compileAsync(spec: KernelSpec): Promise<GPUComputePipeline> {
    const source = kernelSource(spec);
    const cached = this.pipelines.get(source);
    if (cached) return cached;
    const device = this.gpu.device;
    const module = device.createShaderModule({ code: source, label: spec.name });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) throw new EngineError(formatCompileErrors(spec, errors));
    try {
      const pipeline = await device.createComputePipelineAsync({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: spec.name,
      });
      this.pipelines.set(source, pipeline);
      this.compiled++;
      return pipeline;
    } catch (err) {
      throw new EngineError(`kernel '${spec.name}': pipeline creation failed: ${(err as Error).message}`);
    }
  }

  get size(): number {
    return this.pipelines.size;
  }
}

function reportCompileErrors(gpu: GpuDevice, spec: KernelSpec, module: GPUShaderModule): void {
  module.getCompilationInfo().then((info) => {
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      gpu.recordError({ message: formatCompileErrors(spec, errors) } as GPUError, `kernel '${spec.name}'`);
    }
  });
}

function formatCompileErrors(spec: KernelSpec, errors: readonly GPUCompilationMessage[]): string {
  const lines = errors.map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}`);
  return `WGSL compile error in kernel '${spec.name}':\n${lines.join('\n')}`;
}
