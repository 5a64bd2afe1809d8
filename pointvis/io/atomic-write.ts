import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Node writes at most 2 GiB - 1 bytes per call: larger parts go in slices of this size. */
const WRITE_SLICE_BYTES = 1 << 30;

/**
 * Writes a file so that it is never seen half-written: the bytes go to a temporary file in the
 * same directory (same filesystem, so rename is atomic), which then replaces the target. A list
 * of parts is written one after another (a file larger than one buffer, e.g. safetensorsParts).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  sliceBytes = WRITE_SLICE_BYTES,
): void {
  replaceAtomically(path, (tmp) => {
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(tmp, data);
    else writeParts(tmp, data, sliceBytes);
  });
}

/** Copies a file of any size (no JS buffer: past 2 GiB too) so the copy is never seen half-written. */
export function copyFileAtomic(source: string, path: string): void {
  replaceAtomically(path, (tmp) => copyFileSync(source, tmp));
}

/**
 * `write` fills a temporary file in the target's directory (same filesystem, so the rename is
 * atomic), which then replaces the target; on failure the temporary file is removed.
 */
function replaceAtomically(path: string, write: (tmp: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeParts(path: string, parts: readonly Uint8Array[], sliceBytes: number): void {
  const fd = openSync(path, 'w');
  try {
    for (const part of parts) {
      for (let at = 0; at < part.length;) {
        at += writeSync(fd, part, at, Math.min(sliceBytes, part.length - at));
      }
    }
  } finally {
    closeSync(fd);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value));
}
