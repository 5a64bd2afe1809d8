import { describe, expect, it, beforeAll } from 'vitest';
import {
  type Engine,
  contiguous,
  permute,
  reshape,
  slice,
  tensor,
  tidy,
  zeros,
  expand,
  full,
  transpose,
  select,
} from '../../engine/index.js';
import { BufferPool, TENSOR_BUFFER_USAGE } from '../../engine/buffer-pool.js';
import { stridedCopyReference } from '../../shaders/core/copy.js';
import { useEngine, platformName } from '../util/engine.js';

let eng: Engine;
beforeAll(async () => {
  eng = await useEngine();
});

describe(`core tensors (${platformName})`, () => {
  it('uploads and reads back each dtype', async () => {
    expect(Array.from(await tensor([1.5, -2, 3], [3]).data())).toEqual([1.5, -2, 3]);
    expect(Array.from(await tensor([1, -2, 3], [3], 'i32').data())).toEqual([1, -2, 3]);
    expect(Array.from(await tensor([1, 2, 4294967295], [3], 'u32').data())).toEqual([1, 2, 4294967295]);
  });

  it('fills', async () => {
    expect(Array.from(await full([2, 3], -0.25).data())).toEqual(new Array(6).fill(-0.25));
    expect(Array.from(await zeros([0, 3]).data())).toEqual([]);
  });

  it('copies permuted, sliced and expanded views against the CPU reference', async () => {
    const data = Array.from({ length: 24 }, (_, i) => i);
    const t = tensor(data, [2, 3, 4]);
    const p = permute(t, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(Array.from(await contiguous(p).data())).toEqual(
      stridedCopyReference(data, p.shape, p.offset, p.strides),
    );
    const s = slice(t, 2, 1, 4, 2);
    expect(Array.from(await s.data())).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
    const e = expand(tensor([1, 2, 3], [3, 1]), [2, 3, 4]);
    expect(Array.from(await e.data())).toEqual([
      1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
    ]);
    const r = reshape(transpose(tensor(data.slice(0, 6), [2, 3])), [6]);
    expect(Array.from(await r.data())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(await select(t, 1, -1).data())).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
  });

  it('many dispatches in one submit keep their own parameters', async () => {
    const before = eng.stream.submits;
    const outs = tidy(() => Array.from({ length: 300 }, (_, i) => full([5], i)));
    const values = await Promise.all(outs.map((o) => o.data()));
    values.forEach((v, i) => expect(Array.from(v)).toEqual(new Array(5).fill(i)));
    // 300 fills + readbacks: the fills themselves share submits.
    expect(eng.stream.submits - before).toBeLessThan(300 + 300);
    outs.forEach((o) => o.dispose());
  });

  it('folds grids past 65,535 workgroups', async () => {
    const n = 256 * 70_000; // 70,000 workgroups of 256
    const t = full([n], 3);
    const v = (await t.data()) as Float32Array;
    expect(v.length).toBe(n);
    expect(v[0]).toBe(3);
    expect(v[n - 1]).toBe(3);
    expect(v.every((x) => x === 3)).toBe(true);
    t.dispose();
  });

  it('returns buffers to the pool', async () => {
    const start = eng.pool.snapshot();
    tidy(() => {
      for (let i = 0; i < 10; i++) zeros([1000]);
    });
    await eng.sync();
    const end = eng.pool.snapshot();
    expect(end.liveBytes).toBe(start.liveBytes);
  });

  it('a buffer the pool gives up stays valid for the open batch that names it', async () => {
    // Destroying on the spot (the old behaviour) made the submit of the batch that still copies
    // from the buffer a validation error.
    const pool = new BufferPool(
      (size) => eng.device.createBuffer({ size, usage: TENSOR_BUFFER_USAGE }),
      0,
      (buffer) => eng.stream.destroyAfterSubmit(buffer),
    );
    const src = tensor([1, 2, 3, 4], [4]);
    await eng.sync();
    const scratch = pool.acquire(16);
    const out = zeros([4]);
    eng.stream.copy(src.storage.buffer, 0, scratch, 0, 16);
    eng.stream.copy(scratch, 0, out.storage.buffer, 0, 16);
    pool.release(scratch);
    pool.trim();
    expect(pool.snapshot().pooledBuffers).toBe(0);
    expect(Array.from(await out.data())).toEqual([1, 2, 3, 4]);
    await eng.sync();
    src.dispose();
    out.dispose();
  });
});

describe(`views write through (${platformName})`, () => {
  it('select on a non-leading axis is a view: writes reach the base tensor', async () => {
    const { writeInto } = await import('../../engine/index.js');
    const base = zeros([2, 3, 2]);
    const column = select(base, 1, 2); // [2, 2], strided
    expect(column.storage).toBe(base.storage);
    writeInto(column, tensor([1, 2, 3, 4], [2, 2]));
    expect(Array.from(await base.data())).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4]);
  });
});
