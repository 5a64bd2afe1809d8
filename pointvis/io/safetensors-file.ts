/**
 * safetensors files on disk, read tensor by tensor: a file may be larger than one Node buffer
 * (2 GiB; a Swin-L training checkpoint with its optimizer state is 2.6 GB).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type SafetensorsContents, parseSafetensorsFrom } from '../../engine/index.js';

const READ_SLICE_BYTES = 1 << 30;

export function readSafetensorsFile(path: string): SafetensorsContents {
  const fd = openSync(path, 'r');
  try {
    const byteLength = fstatSync(fd).size;
    return parseSafetensorsFrom(
      {
        byteLength,
        read(offset, length) {
          const out = new Uint8Array(length);
          for (let at = 0; at < length;) {
            const n = readSync(fd, out, at, Math.min(READ_SLICE_BYTES, length - at), offset + at);
            if (n === 0)
              throw new Error(`${path}: ended at byte ${offset + at} of ${byteLength} while reading`);
            at += n;
          }
          return out;
        },
      },
      path,
    );
  } finally {
    closeSync(fd);
  }
}
