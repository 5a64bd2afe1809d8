import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type HostTensor, safetensorsParts, serializeSafetensors } from '../../engine/index.js';
import { writeFileAtomic } from '../../pointvis/io/atomic-write.js';
import { readSafetensorsFile } from '../../pointvis/io/safetensors-file.js';

const dir = mkdtempSync(join(tmpdir(), 'pointvis-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors files larger than one write', () => {
  // Node writes at most 2 GiB per call and reads at most 2 GiB per file buffer, so a Swin-L
  // checkpoint (2.6 GB) goes out in parts and slices and comes back tensor by tensor. Here the
  // slice is 7 bytes, so every part takes several writes.
  it('writes parts in slices and reads the file back tensor by tensor', () => {
    const input: Record<string, HostTensor> = {
      a: { dtype: 'f32', shape: [5], data: Float32Array.from([0.5, -1, 2, 1e-3, 9]) },
      b: { dtype: 'u32', shape: [2, 2], data: Uint32Array.from([1, 2, 3, 4294967295]) },
    };
    const path = join(dir, 'parts.safetensors');
    writeFileAtomic(path, safetensorsParts(input, { note: 'parts' }), 7);
    expect(Array.from(readFileSync(path))).toEqual(
      Array.from(serializeSafetensors(input, { note: 'parts' })),
    );
    const back = readSafetensorsFile(path);
    expect(back.metadata).toEqual({ note: 'parts' });
    expect(Array.from(back.tensors.get('a')!.data)).toEqual(Array.from(input.a!.data));
    expect(Array.from(back.tensors.get('b')!.data)).toEqual(Array.from(input.b!.data));
  });

  it('names the file when it is truncated', () => {
    const path = join(dir, 'short.safetensors');
    const bytes = serializeSafetensors({ a: { dtype: 'f32', shape: [4], data: new Float32Array(4) } });
    writeFileAtomic(path, bytes.subarray(0, bytes.length - 4));
    expect(() => readSafetensorsFile(path)).toThrow(/short\.safetensors.*runs past/);
  });
});
