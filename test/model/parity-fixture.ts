/**
 * Reading the PyTorch parity fixtures of the decoder and criterion (tools/torch_ref/*.py →
 * test/fixtures/parity/*.safetensors): tensors by name plus the config from the metadata.
 */
import { readFileSync } from 'node:fs';
import { type LoadedTensor, parseSafetensors } from '../../engine/index.js';

export interface ParityFixture {
  tensors: Map<string, LoadedTensor>;
  config: Record<string, unknown>;
  metadata: Record<string, string>;
  get(name: string): LoadedTensor;
  /** The entries whose names start with `prefix`, with the prefix removed. */
  withPrefix(prefix: string): Map<string, LoadedTensor>;
}

export function loadParityFixture(file: string): ParityFixture {
  const path = new URL(`../fixtures/parity/${file}`, import.meta.url);
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(path)), file);
  const config = JSON.parse(metadata.config ?? '{}') as Record<string, unknown>;
  return {
    tensors,
    config,
    metadata,
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new Error(`${file}: no tensor '${name}'`);
      return t;
    },
    withPrefix(prefix) {
      const out = new Map<string, LoadedTensor>();
      for (const [k, v] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
      return out;
    },
  };
}

/** max |a − b| / max(max |b|, floor): one relative figure for a whole tensor. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-6): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return Number.isNaN(diff) ? Infinity : diff / scale;
}
