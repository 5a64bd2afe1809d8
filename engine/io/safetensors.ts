/**
 * safetensors (https://github.com/huggingface/safetensors) read and write, on plain bytes so it
 * works in the browser and in Node alike (file IO lives in runners/). Layout: an 8-byte
 * little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, __metadata__},
 * then the raw little-endian tensor data; offsets are relative to the start of the data.
 *
 * The engine stores f32/i32/u32, so on load F16/BF16/F64/F8 become f32, narrow integers and
 * I64 become i32 (I64 values outside the i32 range are an error), U64 becomes u32.
 */
import { type AnyTypedArray, type DType } from '../dtype.js';
import { EngineError } from '../errors.js';
import { tensor } from '../ops/copy.js';
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';

export class SafetensorsError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'U16'
  | 'I16'
  | 'F16'
  | 'BF16'
  | 'U32'
  | 'I32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64'
  | 'F8_E4M3'
  | 'F8_E5M2';

const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The engine dtype each file dtype is loaded as. */
const LOADED_AS: Record<SafetensorsDType, DType> = {
  BOOL: 'i32',
  U8: 'i32',
  I8: 'i32',
  U16: 'i32',
  I16: 'i32',
  I32: 'i32',
  I64: 'i32',
  U32: 'u32',
  U64: 'u32',
  F8_E4M3: 'f32',
  F8_E5M2: 'f32',
  F16: 'f32',
  BF16: 'f32',
  F32: 'f32',
  F64: 'f32',
};

const WRITTEN_AS: Record<DType, SafetensorsDType> = { f32: 'F32', i32: 'I32', u32: 'U32' };

/** A tensor on the CPU: what is read from and written to a file. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: AnyTypedArray;
}

export interface LoadedTensor extends HostTensor {
  /** The dtype stored in the file (before conversion). */
  sourceDtype: SafetensorsDType;
}

export interface SafetensorsContents {
  /** Tensors in file order (sorted by data offset). */
  tensors: Map<string, LoadedTensor>;
  metadata: Record<string, string>;
}

/** The official reader refuses headers above 100 MB; so do we (it guards against garbage lengths). */
const MAX_HEADER_BYTES = 100_000_000;

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(name: string, value: unknown, where: string): HeaderEntry {
  const fail = (problem: string) => new SafetensorsError(`${where}: tensor '${name}': ${problem}`);
  if (!isRecord(value)) throw fail('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !(dtype in ELEMENT_BYTES)) {
    throw fail(
      `unsupported dtype ${JSON.stringify(dtype)} (known: ${Object.keys(ELEMENT_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const st = dtype as SafetensorsDType;
  const expected = sizeOf(shape) * ELEMENT_BYTES[st];
  if (end < begin) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end - begin !== expected) {
    throw fail(
      `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} shape [${shape}] needs ${expected}`,
    );
  }
  return { name, dtype: st, shape: [...shape], begin, end };
}

/**
 * Random access to a file's bytes: what parsing needs, so a file larger than one JS buffer
 * (a Swin-L training checkpoint with optimizer state is 2.6 GB) is read tensor by tensor.
 */
export interface SafetensorsByteSource {
  readonly byteLength: number;
  /** `length` bytes from `offset` (both within byteLength). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Parses a whole safetensors file. Every problem is a SafetensorsError naming the file
 * (`source`, for messages) and the tensor.
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContents {
  return parseSafetensorsFrom(
    { byteLength: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) },
    source,
  );
}

/** parseSafetensors over a byte source: reads the header, then each tensor's bytes on its own. */
export function parseSafetensorsFrom(
  file: SafetensorsByteSource,
  source = 'safetensors data',
): SafetensorsContents {
  const fileBytes = file.byteLength;
  if (fileBytes < 8) {
    throw new SafetensorsError(`${source}: ${fileBytes} bytes is too short for the 8-byte header length`);
  }
  const lengthBytes = file.read(0, 8);
  const view = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(fileBytes - 8) || headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `${source}: header length ${headerLength} does not fit in the ${fileBytes}-byte file ` +
        `(truncated or not a safetensors file)`,
    );
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.read(8, n)));
  } catch (err) {
    throw new SafetensorsError(`${source}: header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!isRecord(header)) throw new SafetensorsError(`${source}: header is not a JSON object`);

  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(value)) throw new SafetensorsError(`${source}: __metadata__ is not an object`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${source}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, source));
  }

  // Like the official reader: the tensors must tile the data section exactly, without gaps or overlap.
  const dataStart = 8 + n;
  const dataBytes = fileBytes - dataStart;
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let previous = '';
  for (const e of entries) {
    if (e.begin !== expectedBegin) {
      const what =
        e.begin < expectedBegin
          ? `overlaps tensor '${previous}'`
          : `leaves a gap after byte ${expectedBegin}`;
      throw new SafetensorsError(
        `${source}: tensor '${e.name}' at data_offsets [${e.begin}, ${e.end}] ${what}`,
      );
    }
    if (e.end > dataBytes) {
      throw new SafetensorsError(
        `${source}: tensor '${e.name}' at data_offsets [${e.begin}, ${e.end}] runs past the ${dataBytes}-byte data section (truncated file?)`,
      );
    }
    expectedBegin = e.end;
    previous = e.name;
  }
  if (expectedBegin !== dataBytes) {
    throw new SafetensorsError(
      `${source}: the tensors cover ${expectedBegin} of the ${dataBytes} data bytes (trailing bytes or a wrong header)`,
    );
  }

  const tensors = new Map<string, LoadedTensor>();
  for (const e of entries) {
    const raw = file.read(dataStart + e.begin, e.end - e.begin);
    tensors.set(e.name, {
      dtype: LOADED_AS[e.dtype],
      shape: e.shape,
      data: decode(raw, e, source),
      sourceDtype: e.dtype,
    });
  }
  return { tensors, metadata };
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function decode(raw: Uint8Array, e: HeaderEntry, source: string): AnyTypedArray {
  const count = sizeOf(e.shape);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (e.dtype) {
    case 'F32':
    case 'I32':
    case 'U32': {
      // slice() gives an aligned copy; on little-endian hosts it is the data as is.
      if (littleEndianHost) {
        const copy = raw.slice().buffer;
        return e.dtype === 'F32'
          ? new Float32Array(copy)
          : e.dtype === 'I32'
            ? new Int32Array(copy)
            : new Uint32Array(copy);
      }
      const out =
        e.dtype === 'F32'
          ? new Float32Array(count)
          : e.dtype === 'I32'
            ? new Int32Array(count)
            : new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] =
          e.dtype === 'F32'
            ? dv.getFloat32(4 * i, true)
            : e.dtype === 'I32'
              ? dv.getInt32(4 * i, true)
              : dv.getUint32(4 * i, true);
      }
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case 'F8_E4M3':
    case 'F8_E5M2': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++)
        out[i] = e.dtype === 'F8_E4M3' ? e4m3ToFloat(raw[i]!) : e5m2ToFloat(raw[i]!);
      return out;
    }
    case 'BOOL':
    case 'U8':
      return Int32Array.from(raw);
    case 'I8':
      return Int32Array.from(new Int8Array(raw.buffer, raw.byteOffset, count));
    case 'U16':
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++)
        out[i] = e.dtype === 'U16' ? dv.getUint16(2 * i, true) : dv.getInt16(2 * i, true);
      return out;
    }
    case 'I64':
    case 'U64': {
      const out = e.dtype === 'I64' ? new Int32Array(count) : new Uint32Array(count);
      const [lo, hi] = e.dtype === 'I64' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 2 ** 32 - 1];
      for (let i = 0; i < count; i++) {
        const v = e.dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true);
        if (v < BigInt(lo) || v > BigInt(hi)) {
          throw new SafetensorsError(
            `${source}: tensor '${e.name}' (${e.dtype}) element ${i} is ${v}, outside the ${e.dtype === 'I64' ? 'i32' : 'u32'} range the engine stores`,
          );
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/** IEEE binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** OCP FP8 E4M3 (no infinities; S.1111.111 is NaN). */
function e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const frac = b & 0x7;
  if (exp === 0xf && frac === 0x7) return NaN;
  if (exp === 0) return sign * frac * 2 ** -9;
  return sign * (1 + frac / 8) * 2 ** (exp - 7);
}

/** OCP FP8 E5M2 (IEEE-like: infinities and NaN at the top exponent). */
function e5m2ToFloat(b: number): number {
  return halfToFloat(b << 8);
}

/**
 * Serialises host tensors (f32 → F32, i32 → I32, u32 → U32) with optional string metadata.
 * Tensors are laid out in the order given; the header is space-padded to a multiple of 8 bytes
 * so the data section stays aligned, as the official writer does.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return concatParts(safetensorsParts(tensors, metadata));
}

/**
 * The file as consecutive parts (length + header, then each tensor's bytes, views of the data on
 * little-endian hosts): written one after another they are serializeSafetensors' bytes, without
 * ever holding the whole file in one buffer (Node writes at most 2 GiB per call).
 */
export function safetensorsParts(
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array[] {
  const list: [string, HostTensor][] =
    tensors instanceof Map
      ? [...tensors.entries()]
      : Object.entries(tensors as Readonly<Record<string, HostTensor>>);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new SafetensorsError(`tensor name '__metadata__' is reserved`);
    if (sizeOf(t.shape) !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}': ${t.data.length} values do not fill shape [${t.shape}]`);
    }
    const bytes = t.data.length * 4;
    header[name] = {
      dtype: WRITTEN_AS[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return [head, ...list.map(([, t]) => tensorBytes(t))];
}

function tensorBytes(t: HostTensor): Uint8Array {
  if (littleEndianHost) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * 4);
  const out = new Uint8Array(t.data.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < t.data.length; i++) {
    if (t.dtype === 'f32') dv.setFloat32(4 * i, t.data[i]!, true);
    else if (t.dtype === 'i32') dv.setInt32(4 * i, t.data[i]!, true);
    else dv.setUint32(4 * i, t.data[i]!, true);
  }
  return out;
}

/** One buffer from consecutive parts. */
export function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads GPU tensors back and serialises them. */
export async function tensorsToSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  return concatParts(await tensorsToSafetensorsParts(tensors, metadata));
}

/** Reads GPU tensors back; the file as parts (see safetensorsParts). */
export async function tensorsToSafetensorsParts(
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array[]> {
  const list: [string, Tensor][] =
    tensors instanceof Map
      ? [...tensors.entries()]
      : Object.entries(tensors as Readonly<Record<string, Tensor>>);
  // All readbacks are recorded before the first is awaited, so they map in parallel.
  const data = await Promise.all(list.map(([, t]) => t.data()));
  const host = new Map<string, HostTensor>();
  list.forEach(([name, t], i) => host.set(name, { dtype: t.dtype, shape: [...t.shape], data: data[i]! }));
  return safetensorsParts(host, metadata);
}

/**
 * Uploads every tensor of a file (bytes or already parsed contents) to the GPU. The tensors
 * belong to the enclosing scope; `keep` the ones that must outlive it.
 */
export function safetensorsToTensors(
  file: Uint8Array | SafetensorsContents,
  source?: string,
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const contents = file instanceof Uint8Array ? parseSafetensors(file, source) : file;
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of contents.tensors) {
    const gpu = tensor(t.data, t.shape, t.dtype);
    gpu.name = name;
    tensors.set(name, gpu);
  }
  return { tensors, metadata: contents.metadata };
}
