/** Checkpoint files on disk (Node). The bytes <-> module logic is in model/checkpoint. */
import { readFileSync } from 'node:fs';
import { type Optimizer, type SafetensorsContents, parseSafetensors } from '../../engine/index.js';
import {
  type CheckpointState,
  type LoadWeightsOptions,
  type ParsedCheckpoint,
  loadWeights,
  serializeCheckpoint,
  splitCheckpoint,
} from '../../model/checkpoint/index.js';
import type { Module } from '../../model/nn/module.js';
import type { LoadStateDictResult } from '../../model/nn/state-dict.js';
import { writeFileAtomic } from './atomic-write.js';

function readSafetensors(path: string): SafetensorsContents {
  const buf = readFileSync(path);
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** Writes model + optimizer + run state atomically (never a half-written checkpoint). */
export async function saveCheckpointFile(
  path: string,
  model: Module,
  optimizer: Optimizer | null,
  state: CheckpointState,
): Promise<void> {
  writeFileAtomic(path, await serializeCheckpoint(model, optimizer, state));
}

export function readCheckpointFile(path: string): ParsedCheckpoint {
  return splitCheckpoint(readSafetensors(path), path);
}

/** Loads model weights from any safetensors file (converted official, ImageNet, or ours). */
export function loadWeightsFile(
  path: string,
  module: Module,
  options: LoadWeightsOptions = {},
): LoadStateDictResult {
  return loadWeights(module, readSafetensors(path), { ...options, source: options.source ?? path });
}
