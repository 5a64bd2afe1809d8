/** safetensors files on disk (Node only; engine/io/safetensors.ts works on bytes). */
import {
  type HostTensor,
  type Tensor,
  safetensorsParts,
  tensorsToSafetensorsParts,
} from '../../engine/index.js';
import { writeFileAtomic } from '../../pointvis/io/atomic-write.js';

export { readSafetensorsFile } from '../../pointvis/io/safetensors-file.js';

export function writeHostSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  writeFileAtomic(path, safetensorsParts(tensors, metadata));
}

/** Reads the GPU tensors back and writes them atomically. */
export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  writeFileAtomic(path, await tensorsToSafetensorsParts(tensors, metadata));
}
