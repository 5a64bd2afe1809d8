import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HostTensor,
  SafetensorsError,
  halfToFloat,
  parseSafetensors,
  safetensorsToTensors,
  concatParts,
  parseSafetensorsFrom,
  safetensorsParts,
  serializeSafetensors,
  tensor,
  tensorsToSafetensors,
  tidyAsync,
} from '../../engine/index.js';
import golden from '../fixtures/golden/safetensors.json';
import { platformName, useEngine } from '../util/engine.js';

beforeAll(async () => {
  await useEngine();
});

/** A file from a header string and raw data bytes, assembled by hand. */
function handBuilt(headerJson: string, data: Uint8Array, lengthOverride?: number): Uint8Array {
  const header = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + header.length + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, lengthOverride ?? header.length, true); // low word; the high word stays 0
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  return out;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function expectError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

describe(`safetensors (${platformName})`, () => {
  it('reads a file whose bytes are written by hand', () => {
    const bytes = handBuilt(
      '{"__metadata__":{"epoch":"3"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
        '"n":{"dtype":"I32","shape":[1],"data_offsets":[16,20]}}',
      new Uint8Array([...f32Bytes([1, -2, 0.5, 8]), 0xfe, 0xff, 0xff, 0xff]),
    );
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ epoch: '3' });
    expect([...tensors.keys()]).toEqual(['w', 'n']);
    const w = tensors.get('w')!;
    expect(w.dtype).toBe('f32');
    expect(w.shape).toEqual([2, 2]);
    expect(Array.from(w.data)).toEqual([1, -2, 0.5, 8]);
    expect(Array.from(tensors.get('n')!.data)).toEqual([-2]);
    expect(tensors.get('n')!.dtype).toBe('i32');
  });

  it('writes what it reads, with an 8-byte aligned data section', () => {
    const input: Record<string, HostTensor> = {
      'a.weight': { dtype: 'f32', shape: [3, 1], data: Float32Array.from([0.25, -1e-8, 3e30]) },
      'b.index': { dtype: 'i32', shape: [2], data: Int32Array.from([-5, 2147483647]) },
      'c.bits': { dtype: 'u32', shape: [1], data: Uint32Array.from([4294967295]) },
      scalar: { dtype: 'f32', shape: [], data: Float32Array.from([7]) },
      empty: { dtype: 'f32', shape: [0], data: new Float32Array(0) },
    };
    const bytes = serializeSafetensors(input, { note: 'round trip' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header['b.index']).toEqual({ dtype: 'I32', shape: [2], data_offsets: [12, 20] });
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ note: 'round trip' });
    for (const [name, t] of Object.entries(input)) {
      const r = back.tensors.get(name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(Array.from(r.data)).toEqual(Array.from(t.data));
    }
  });

  it('writes as parts and parses tensor by tensor: the same bytes as one buffer', () => {
    const input: Record<string, HostTensor> = {
      w: { dtype: 'f32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      i: { dtype: 'i32', shape: [1], data: Int32Array.from([-7]) },
    };
    const parts = safetensorsParts(input, { k: 'v' });
    expect(parts).toHaveLength(3);
    const whole = serializeSafetensors(input, { k: 'v' });
    expect(Array.from(concatParts(parts))).toEqual(Array.from(whole));
    // A file larger than one buffer is read through a byte source: never more than a tensor at once.
    const reads: number[] = [];
    const back = parseSafetensorsFrom({
      byteLength: whole.length,
      read: (offset, length) => {
        reads.push(length);
        return whole.slice(offset, offset + length);
      },
    });
    expect(reads).toEqual([8, parts[0]!.length - 8, 24, 4]);
    expect(Array.from(back.tensors.get('w')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.tensors.get('i')!.data)).toEqual([-7]);
    expect(back.metadata).toEqual({ k: 'v' });
  });

  it('round-trips GPU tensors', async () => {
    await tidyAsync(async () => {
      const a = tensor([1.5, -2, 3, 4, 5, 6], [2, 3]);
      const b = tensor([9, -9], [2], 'i32');
      const bytes = await tensorsToSafetensors(
        new Map([
          ['a', a],
          ['b', b],
        ]),
      );
      const { tensors } = safetensorsToTensors(bytes);
      expect(tensors.get('a')!.shape).toEqual([2, 3]);
      expect(Array.from(await tensors.get('a')!.data())).toEqual([1.5, -2, 3, 4, 5, 6]);
      expect(tensors.get('b')!.dtype).toBe('i32');
      expect(Array.from(await tensors.get('b')!.data())).toEqual([9, -9]);
    });
  });

  it('reads a file written by Python struct/json with F16, BF16, F64, I64, BOOL and U8', () => {
    const { tensors, metadata } = parseSafetensors(fromBase64(golden.file_base64), 'golden.safetensors');
    expect(metadata).toEqual(golden.metadata);
    expect(tensors.size).toBe(golden.tensors.length);
    for (const g of golden.tensors) {
      const t = tensors.get(g.name)!;
      expect(t, g.name).toBeDefined();
      expect(t.sourceDtype).toBe(g.dtype);
      expect(t.shape).toEqual(g.shape);
      expect(t.dtype).toBe(['F16', 'BF16', 'F64', 'F32'].includes(g.dtype) ? 'f32' : 'i32');
      // f32 storage: the expected value rounded to f32 (exact for F16/BF16, rounded for F64).
      // (-0 is compared as 0: JSON imports do not keep the sign of zero everywhere.)
      const plusZero = (v: number) => (v === 0 ? 0 : v);
      expect(Array.from(t.data, plusZero), g.name).toEqual(
        g.values.map((v) => plusZero(t.dtype === 'f32' ? Math.fround(v) : v)),
      );
    }
  });

  it('decodes half-precision specials', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('rejects corrupt files with errors naming the tensor', () => {
    const ok = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const data = f32Bytes([1, 2]);
    expectError(() => parseSafetensors(new Uint8Array(5), 'x.safetensors'), 'x.safetensors', 'too short');
    expectError(() => parseSafetensors(handBuilt(ok, data, 10_000)), 'header length 10000');
    expectError(() => parseSafetensors(handBuilt('{"w": [1,', data)), 'not valid UTF-8 JSON');
    expectError(() => parseSafetensors(handBuilt('[1,2]', data)), 'not a JSON object');
    expectError(() => parseSafetensors(handBuilt(ok, data.subarray(0, 6))), "'w'", 'runs past');
    expectError(
      () => parseSafetensors(handBuilt('{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}', data)),
      "'w'",
      'unsupported dtype "Q7"',
    );
    expectError(
      () => parseSafetensors(handBuilt('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', data)),
      "'w'",
      'needs 12',
    );
    expectError(
      () => parseSafetensors(handBuilt('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}', data)),
      "'w'",
      'shape',
    );
    expectError(
      () =>
        parseSafetensors(
          handBuilt(
            '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
            data,
          ),
        ),
      'overlaps',
    );
    expectError(
      () => parseSafetensors(handBuilt('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data)),
      "'w'",
      'gap',
    );
    expectError(() => parseSafetensors(handBuilt(ok, f32Bytes([1, 2, 3]))), 'cover 8 of the 12');
    expectError(
      () => parseSafetensors(handBuilt('{"__metadata__":{"a":1}}', new Uint8Array(0))),
      '__metadata__.a',
    );
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, 2n ** 40n, true);
    expectError(
      () => parseSafetensors(handBuilt('{"step":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', big)),
      "'step'",
      'outside the i32 range',
    );
    expectError(
      () => serializeSafetensors({ t: { dtype: 'f32', shape: [3], data: new Float32Array(2) } }),
      "'t'",
      'do not fill',
    );
  });
});
