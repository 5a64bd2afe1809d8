/**
 * Size-bucketed pool of storage buffers. Sizes are rounded up to a bucket (256 B steps up to
 * 4 KiB, then four buckets per power of two, so at most 25% slack) and freed buffers are kept
 * for reuse instead of destroyed, because creating GPU buffers is slow (and Dawn zero-fills every
 * new one). The pool keeps up to max(maxPooledBytes, the most bytes ever live at once): a training
 * loop that holds 20 GiB at its peak then recycles all of it every iteration, where a fixed 1 GiB
 * cap re-created 19 GiB of buffers per iteration on a GPU.
 *
 * Reuse is safe within one command batch: dispatches are ordered on the queue, and uploads go
 * through the command stream (never queue.writeBuffer into a pooled buffer), so a recycled
 * buffer is never written before an earlier recorded dispatch has read it. For the same reason a
 * buffer the pool gives up is handed to `retire`, never destroyed on the spot: the open batch may
 * still name it, and a destroyed buffer in a submit is a validation error.
 */
export const TENSOR_BUFFER_USAGE = 0x80 /* STORAGE */ | 0x04 /* COPY_SRC */ | 0x08; /* COPY_DST */

export function bucketSize(bytes: number): number {
  const b = Math.max(bytes, 4);
  if (b <= 4096) return Math.ceil(b / 256) * 256;
  const pow = 2 ** Math.floor(Math.log2(b));
  const step = pow / 4;
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Bytes held by live tensors (bucket sizes). */
  liveBytes: number;
  /** Bytes kept in the pool for reuse. */
  pooledBytes: number;
  liveBuffers: number;
  pooledBuffers: number;
  /** Buffers ever created (a growing number in a steady loop means the pool is not reused). */
  createdBuffers: number;
  peakLiveBytes: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly stats: PoolStats = {
    liveBytes: 0,
    pooledBytes: 0,
    liveBuffers: 0,
    pooledBuffers: 0,
    createdBuffers: 0,
    peakLiveBytes: 0,
  };
  /** The most bytes ever live at once (peakLiveBytes is reset per measurement; this never is). */
  private highWaterBytes = 0;

  constructor(
    private readonly createBuffer: (size: number) => GPUBuffer,
    /** Pooled bytes above this and above the live high-water mark are retired instead of kept. */
    private readonly maxPooledBytes = 1 << 30,
    /** Destroys a buffer once the batch that may use it is submitted (CommandStream.destroyAfterSubmit). */
    private readonly retire: (buffer: GPUBuffer) => void = (buffer) => buffer.destroy(),
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.stats.pooledBytes -= size;
      this.stats.pooledBuffers--;
    } else {
      buffer = this.createBuffer(size);
      this.stats.createdBuffers++;
    }
    this.stats.liveBytes += size;
    this.stats.liveBuffers++;
    this.stats.peakLiveBytes = Math.max(this.stats.peakLiveBytes, this.stats.liveBytes);
    this.highWaterBytes = Math.max(this.highWaterBytes, this.stats.liveBytes);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.stats.liveBytes -= size;
    this.stats.liveBuffers--;
    if (this.stats.pooledBytes + size > Math.max(this.maxPooledBytes, this.highWaterBytes)) {
      this.retire(buffer);
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.stats.pooledBytes += size;
    this.stats.pooledBuffers++;
  }

  /** Retires every pooled buffer (live ones are untouched). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.retire(b);
    this.free.clear();
    this.stats.pooledBytes = 0;
    this.stats.pooledBuffers = 0;
  }

  snapshot(): PoolStats {
    return { ...this.stats };
  }

  resetPeak(): void {
    this.stats.peakLiveBytes = this.stats.liveBytes;
  }
}
