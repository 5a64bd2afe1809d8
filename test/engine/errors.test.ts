import { beforeAll, describe, expect, it } from 'vitest';
import { acquirePlatformDevice } from '#platform-gpu';
import {
  type Engine,
  initEngine,
  setEngine,
  kernel,
  tensor,
  zeros,
  DeviceLostError,
  engine,
} from '../../engine/index.js';
import { useEngine, platformName } from '../util/engine.js';

let eng: Engine;
beforeAll(async () => {
  eng = await useEngine();
});

const broken = kernel({
  name: 'deliberately_broken',
  bindings: [{ name: 'dst', type: 'f32', access: 'read_write' }],
  params: [{ name: 'n', type: 'u32' }],
  workgroupSize: [64, 1, 1],
  body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  dst[gid.x] = undefined_symbol;
}
`,
});

describe(`engine errors (${platformName})`, () => {
  it('a WGSL compile error names the kernel (async compile)', async () => {
    await expect(eng.pipelines.compileAsync(broken)).rejects.toThrow(/deliberately_broken/);
  });

  it('a WGSL compile error surfaces at the next sync, naming the kernel', async () => {
    const t = zeros([4]);
    eng.stream.dispatch1D(broken, [{ buffer: t.buffer }], { n: 4 }, 4, () => t.describe());
    await expect(eng.sync()).rejects.toThrow(/deliberately_broken/);
    t.dispose();
  });

  it('a validation error names the kernel and shapes', async () => {
    const good = kernel({
      name: 'reads_two_buffers',
      bindings: [
        { name: 'a', type: 'f32', access: 'read' },
        { name: 'b', type: 'f32', access: 'read_write' },
      ],
      params: [],
      workgroupSize: [64, 1, 1],
      body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) { b[gid.x] = a[gid.x]; }
`,
    });
    const t = zeros([8]);
    // The same buffer bound read-only and writable in one dispatch is invalid in WebGPU.
    eng.stream.dispatch(
      good,
      [{ buffer: t.buffer }, { buffer: t.buffer }],
      {},
      [1, 1, 1],
      () => 'a=f32[8] b=f32[8]',
    );
    await expect(eng.sync()).rejects.toThrow(/reads_two_buffers/);
    t.dispose();
    // The engine keeps working afterwards.
    expect(Array.from(await tensor([1, 2], [2]).data())).toEqual([1, 2]);
  });

  it('a wrong buffer count is refused at once', () => {
    expect(() => eng.stream.dispatch1D(broken, [], { n: 1 }, 1, () => 'none')).toThrow(
      /takes 1 buffers, got 0/,
    );
  });

  it('using a disposed tensor names it', () => {
    const t = zeros([2, 3]);
    t.dispose();
    expect(() => t.buffer).toThrow(/disposed tensor f32\[2,3\]/);
  });

  it('a lost device fails the next op with DeviceLostError', async () => {
    const second = initEngine(await acquirePlatformDevice());
    second.gpu.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => zeros([4])).toThrow(DeviceLostError);
    setEngine(eng); // restore the shared engine for later tests in this worker
    expect(engine()).toBe(eng);
  });
});
