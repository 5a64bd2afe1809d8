import { describe, expect, it } from 'vitest';
import { BufferPool, bucketSize } from '../../engine/buffer-pool.js';

/** Stand-in buffers: the pool only reads `size` and hands retired ones to its callback. */
function fakePool(maxPooledBytes: number) {
  const retired: number[] = [];
  const pool = new BufferPool(
    (size) => ({ size }) as GPUBuffer,
    maxPooledBytes,
    (buffer) => retired.push(buffer.size),
  );
  return { pool, retired };
}

describe('buffer pool policy', () => {
  it('keeps everything a loop held at its peak, even above the cap', () => {
    const { pool, retired } = fakePool(1024);
    const held = Array.from({ length: 4 }, () => pool.acquire(4096));
    held.forEach((b) => pool.release(b));
    expect(retired).toEqual([]);
    expect(pool.snapshot().pooledBytes).toBe(4 * 4096);
    // The next iteration reuses them all: nothing new is created.
    const again = Array.from({ length: 4 }, () => pool.acquire(4096));
    expect(pool.snapshot().createdBuffers).toBe(4);
    again.forEach((b) => pool.release(b));
  });

  it('retires what would exceed both the cap and the live high-water mark', () => {
    const { pool, retired } = fakePool(1024);
    const a = pool.acquire(4096);
    pool.release(a); // high water 4096: kept
    const b = pool.acquire(8192);
    pool.release(b); // pooled 4096 + 8192 > max(1024, 8192): retired
    expect(retired).toEqual([bucketSize(8192)]);
    expect(pool.snapshot().pooledBytes).toBe(4096);
  });

  it('trim retires every pooled buffer', () => {
    const { pool, retired } = fakePool(1 << 20);
    pool.release(pool.acquire(300));
    pool.trim();
    expect(retired).toEqual([bucketSize(300)]);
    expect(pool.snapshot()).toMatchObject({ pooledBytes: 0, pooledBuffers: 0 });
  });
});
