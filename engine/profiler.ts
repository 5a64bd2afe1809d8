/**
 * Per-kernel GPU time from timestamp queries. While a profiler is attached, every dispatch gets
 * its own compute pass whose beginning and end are timestamped; the times are resolved at each
 * flush and summed per kernel label.
 */
export interface KernelTiming {
  kernel: string;
  dispatches: number;
  totalMs: number;
}

export class KernelProfiler {
  readonly capacity: number;
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private labels: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly totals = new Map<string, KernelTiming>();

  constructor(
    private readonly device: GPUDevice,
    capacityPasses = 2048,
  ) {
    this.capacity = capacityPasses;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: capacityPasses * 2 });
    this.resolveBuffer = device.createBuffer({
      size: capacityPasses * 16,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  get full(): boolean {
    return this.labels.length >= this.capacity;
  }

  /** Timestamp writes for the next dispatch's pass. */
  nextPass(label: string): GPUComputePassTimestampWrites {
    const i = this.labels.length;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Called by the command stream just before it finishes the encoder. */
  resolve(encoder: GPUCommandEncoder): (() => void) | null {
    const count = this.labels.length;
    if (count === 0) return null;
    const labels = this.labels;
    this.labels = [];
    encoder.resolveQuerySet(this.querySet, 0, count * 2, this.resolveBuffer, 0);
    const readback = this.device.createBuffer({
      size: count * 16,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, readback, 0, count * 16);
    // After submit: map and accumulate.
    return () => {
      this.pending.push(
        readback.mapAsync(GPUMapMode.READ).then(() => {
          const stamps = new BigUint64Array(readback.getMappedRange());
          for (let i = 0; i < count; i++) {
            const ns = Number(stamps[2 * i + 1]! - stamps[2 * i]!);
            const name = labels[i]!;
            const t = this.totals.get(name) ?? { kernel: name, dispatches: 0, totalMs: 0 };
            t.dispatches++;
            t.totalMs += ns / 1e6;
            this.totals.set(name, t);
          }
          readback.unmap();
          readback.destroy();
        }),
      );
    };
  }

  async results(): Promise<KernelTiming[]> {
    await Promise.all(this.pending.splice(0));
    return [...this.totals.values()].sort((a, b) => b.totalMs - a.totalMs);
  }

  reset(): void {
    this.totals.clear();
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
