/** safetensors files on disk (Node only; engine/io/safetensors.ts works on bytes). */
import { readFileSync } from 'node:fs';
import {
  type HostTensor,
  type SafetensorsContents,
  type Tensor,
  parseSafetensors,
  serializeSafetensors,
  tensorsToSafetensors,
} from '../../engine/index.js';
import { writeFileAtomic } from '../../pointvis/io/atomic-write.js';

export function readSafetensorsFile(path: string): SafetensorsContents {
  const buf = readFileSync(path);
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

export function writeHostSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Reads the GPU tensors back and writes them atomically. */
export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  writeFileAtomic(path, await tensorsToSafetensors(tensors, metadata));
}
