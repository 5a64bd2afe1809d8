import type { GpuDevice } from './device.js';
import { EngineError } from './errors.js';
import { type KernelSpec, paramsByteSize, workgroupThreads } from './kernel.js';
import type { PipelineCache } from './pipelines.js';
import type { KernelProfiler } from './profiler.js';

export type ParamValues = Readonly<Record<string, number>>;

/** A storage buffer bound to one binding: the whole buffer or a byte range of it. */
export interface BufferBinding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

const ARENA_BYTES = 1 << 18; // 256 KiB of uniform slots per batch

/**
 * Records many dispatches into one command encoder and submits them together at a flush
 * (readback, arena full, or an explicit sync). Each dispatch's parameters get their own slot
 * in a per-batch uniform arena that is uploaded once just before the submit, so parameters stay
 * correct however many dispatches share one submit.
 */
export class CommandStream {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arenaCpu = new ArrayBuffer(ARENA_BYTES);
  private readonly arenaU32 = new Uint32Array(this.arenaCpu);
  private readonly arenaI32 = new Int32Array(this.arenaCpu);
  private readonly arenaF32 = new Float32Array(this.arenaCpu);
  private arenaGpu: GPUBuffer;
  private arenaUsed = 0;
  private readonly slotAlign: number;
  private afterSubmit: (() => void)[] = [];
  private batchLabels: string[] = [];
  /** Dispatches recorded since creation; submits since creation. */
  dispatches = 0;
  submits = 0;
  profiler: KernelProfiler | null = null;

  constructor(
    private readonly gpu: GpuDevice,
    private readonly pipelines: PipelineCache,
  ) {
    this.slotAlign = gpu.limits.minUniformBufferOffsetAlignment;
    this.arenaGpu = this.newArena();
  }

  private newArena(): GPUBuffer {
    return this.gpu.device.createBuffer({
      size: ARENA_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'uniform-arena',
    });
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.gpu.device.pushErrorScope('out-of-memory');
      this.gpu.device.pushErrorScope('validation');
      this.encoder = this.gpu.device.createCommandEncoder({ label: 'pointvis-batch' });
    }
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Records one dispatch. `workgroups` is the grid; use `dispatch1D` for flat element counts.
   * `describe` names the shapes for error messages and is only called when needed.
   */
  dispatch(
    spec: KernelSpec,
    buffers: readonly BufferBinding[],
    params: ParamValues,
    workgroups: readonly [number, number, number],
    describe: () => string = () => '',
  ): void {
    this.gpu.assertAlive(`kernel '${spec.name}'`);
    if (buffers.length !== spec.bindings.length) {
      throw new EngineError(
        `kernel '${spec.name}' takes ${spec.bindings.length} buffers, got ${buffers.length} (${describe()})`,
      );
    }
    const [gx, gy, gz] = workgroups;
    if (gx === 0 || gy === 0 || gz === 0) return;
    const maxDim = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    if (gx > maxDim || gy > maxDim || gz > maxDim) {
      throw new EngineError(
        `kernel '${spec.name}': grid ${gx}x${gy}x${gz} exceeds ${maxDim} workgroups per dimension (${describe()})`,
      );
    }
    const maxBinding = this.gpu.limits.maxStorageBufferBindingSize;
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i]!;
      const size = b.size ?? b.buffer.size - (b.offset ?? 0);
      if (size > maxBinding) {
        throw new EngineError(
          `kernel '${spec.name}': binding '${spec.bindings[i]!.name}' is ${size} bytes, over the adapter's ` +
            `maxStorageBufferBindingSize ${maxBinding} (${describe()})`,
        );
      }
    }
    const pipeline = this.pipelines.get(spec);
    const entries: GPUBindGroupEntry[] = buffers.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buffer, offset: b.offset ?? 0, size: b.size },
    }));
    if (spec.params.length > 0) {
      const bytes = paramsByteSize(spec);
      if (this.arenaUsed + bytes > ARENA_BYTES) this.flush();
      const slot = this.arenaUsed;
      this.writeParams(spec, params, slot / 4);
      this.arenaUsed = Math.ceil((slot + bytes) / this.slotAlign) * this.slotAlign;
      entries.push({
        binding: spec.bindings.length,
        resource: { buffer: this.arenaGpu, offset: slot, size: bytes },
      });
    }
    const encoder = this.ensureEncoder();
    const label = spec.name;
    const bindGroup = this.gpu.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries,
      label: `${label} ${describe()}`,
    });
    if (this.profiler) {
      this.endPass();
      if (this.profiler.full) {
        this.flush();
        return this.dispatch(spec, buffers, params, workgroups, describe);
      }
      this.pass = encoder.beginComputePass({ timestampWrites: this.profiler.nextPass(label) });
    } else if (!this.pass) {
      this.pass = encoder.beginComputePass();
    }
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(gx, gy, gz);
    if (this.profiler) this.endPass();
    this.dispatches++;
    if (this.batchLabels.length < 64) this.batchLabels.push(label);
  }

  /**
   * Dispatches enough workgroups for `threads` invocations along x, folding the grid into
   * (x, y[, z]) when it exceeds the per-dimension limit. Kernels recover the linear workgroup
   * index with `flat_workgroup_index` and must bounds-check.
   */
  dispatch1D(
    spec: KernelSpec,
    buffers: readonly BufferBinding[],
    params: ParamValues,
    threads: number,
    describe?: () => string,
  ): void {
    if (threads <= 0) return;
    const groups = Math.ceil(threads / workgroupThreads(spec));
    this.dispatch(
      spec,
      buffers,
      params,
      foldGrid(groups, this.gpu.limits.maxComputeWorkgroupsPerDimension),
      describe,
    );
  }

  private writeParams(spec: KernelSpec, params: ParamValues, word: number): void {
    spec.params.forEach((p, i) => {
      const v = params[p.name];
      if (v === undefined || (p.type !== 'f32' && !Number.isInteger(v))) {
        throw new EngineError(`kernel '${spec.name}': parameter '${p.name}' is ${v}`);
      }
      if (p.type === 'f32') this.arenaF32[word + i] = v;
      else if (p.type === 'i32') this.arenaI32[word + i] = v;
      else this.arenaU32[word + i] = v;
    });
  }

  /** Records a buffer-to-buffer copy, ordered with the dispatches around it. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    const encoder = this.ensureEncoder();
    this.endPass();
    encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * Uploads bytes into `dst` in stream order: through a staging buffer and a recorded copy, so a
   * pooled buffer is never overwritten before earlier recorded work has used it.
   */
  upload(dst: GPUBuffer, dstOffset: number, data: ArrayBufferView): void {
    const bytes = data.byteLength;
    if (bytes === 0) return;
    const padded = Math.ceil(bytes / 4) * 4;
    const staging = this.gpu.device.createBuffer({
      size: padded,
      usage: GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
      label: 'upload-staging',
    });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, bytes));
    staging.unmap();
    this.copy(staging, 0, dst, dstOffset, padded);
    this.afterSubmit.push(() => staging.destroy());
  }

  /** Runs `fn` after the current batch is submitted (e.g. to destroy a staging buffer). */
  onSubmit(fn: () => void): void {
    this.afterSubmit.push(fn);
  }

  /**
   * Destroys `buffer` once the open batch, which may name it, is submitted; at once when no batch
   * is open (work already submitted keeps its buffers alive until it completes).
   */
  destroyAfterSubmit(buffer: GPUBuffer): void {
    if (this.encoder) this.afterSubmit.push(() => buffer.destroy());
    else buffer.destroy();
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const encoder = this.encoder;
    this.encoder = null;
    const finishProfile = this.profiler?.resolve(encoder) ?? null;
    const commands = encoder.finish();
    const queue = this.gpu.device.queue;
    if (this.arenaUsed > 0) {
      queue.writeBuffer(this.arenaGpu, 0, this.arenaCpu, 0, this.arenaUsed);
      this.arenaUsed = 0;
    }
    queue.submit([commands]);
    this.submits++;
    const labels = this.batchLabels;
    this.batchLabels = [];
    const context = () => `a batch of dispatches (${labels.join(', ')}${labels.length >= 64 ? ', ...' : ''})`;
    const device = this.gpu.device;
    device.popErrorScope().then((e) => e && this.gpu.recordError(e, context()));
    device.popErrorScope().then((e) => e && this.gpu.recordError(e, context()));
    finishProfile?.();
    const after = this.afterSubmit;
    this.afterSubmit = [];
    for (const fn of after) fn();
  }

  /** Copies `bytes` from `src` to the CPU. Flushes; the only way data comes back. */
  async read(src: GPUBuffer, srcOffset: number, bytes: number): Promise<ArrayBuffer> {
    const padded = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = this.gpu.device.createBuffer({
      size: padded,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: 'readback-staging',
    });
    this.copy(src, srcOffset, staging, 0, padded);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (err) {
      staging.destroy();
      await this.sync();
      throw new EngineError(`readback failed: ${(err as Error).message}`);
    }
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    this.gpu.throwPendingErrors();
    return out;
  }

  /** Submits pending work, waits for the GPU, and raises any error WebGPU reported. */
  async sync(): Promise<void> {
    this.flush();
    await this.gpu.device.queue.onSubmittedWorkDone();
    this.gpu.throwPendingErrors();
  }
}

/** Splits a workgroup count over (x, y, z) so no dimension exceeds `maxDim`. */
export function foldGrid(groups: number, maxDim: number): [number, number, number] {
  if (groups <= maxDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxDim);
  if (y <= maxDim) return [Math.ceil(groups / y), y, 1];
  const z = Math.ceil(y / maxDim);
  return [maxDim, Math.ceil(groups / (maxDim * z)), z];
}
