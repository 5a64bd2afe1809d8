import { BufferPool, TENSOR_BUFFER_USAGE } from './buffer-pool.js';
import { CommandStream } from './commands.js';
import type { GpuDevice } from './device.js';
import { EngineError } from './errors.js';
import { PipelineCache } from './pipelines.js';
import { KernelProfiler, type KernelTiming } from './profiler.js';

/**
 * The engine bound to one device: its buffer pool, pipeline cache and command stream. Tensor
 * code reaches it through `engine()`; runners create it with `initEngine(gpuDevice)`.
 */
export class Engine {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly stream: CommandStream;

  constructor(readonly gpu: GpuDevice) {
    this.pipelines = new PipelineCache(gpu);
    this.stream = new CommandStream(gpu, this.pipelines);
    this.pool = new BufferPool(
      (size) =>
        gpu.scoped(
          () => `allocating a ${size}-byte buffer`,
          () => gpu.device.createBuffer({ size, usage: TENSOR_BUFFER_USAGE }),
        ),
      undefined,
      (buffer) => this.stream.destroyAfterSubmit(buffer),
    );
  }

  get device(): GPUDevice {
    return this.gpu.device;
  }

  /** Submits recorded work, waits for it, and raises any GPU error it caused. */
  sync(): Promise<void> {
    return this.stream.sync();
  }

  /** Starts per-kernel GPU timing with timestamp queries (needs the 'timestamp-query' feature). */
  startProfiling(): void {
    if (!this.gpu.features.has('timestamp-query')) {
      throw new EngineError('profiling needs the timestamp-query feature, which this adapter lacks');
    }
    this.stream.flush();
    this.stream.profiler ??= new KernelProfiler(this.gpu.device);
    this.stream.profiler.reset();
  }

  async stopProfiling(): Promise<KernelTiming[]> {
    const profiler = this.stream.profiler;
    if (!profiler) return [];
    this.stream.flush();
    this.stream.profiler = null;
    const results = await profiler.results();
    profiler.destroy();
    return results;
  }

  destroy(): void {
    this.stream.flush();
    this.pool.trim();
    this.gpu.destroy();
  }
}

let current: Engine | null = null;

export function initEngine(gpu: GpuDevice): Engine {
  current = new Engine(gpu);
  return current;
}

/** Makes an existing engine current again (tests that briefly use a second device). */
export function setEngine(e: Engine): void {
  current = e;
}

export function engine(): Engine {
  if (!current) {
    throw new EngineError('no engine: call initEngine(await acquireDevice(...)) first (runners do this)');
  }
  return current;
}

export function hasEngine(): boolean {
  return current !== null;
}
