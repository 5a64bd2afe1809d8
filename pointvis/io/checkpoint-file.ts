/** Checkpoint files on disk (Node). The bytes <-> module logic is in model/checkpoint. */
import type { Optimizer } from '../../engine/index.js';
import {
  type CheckpointState,
  type LoadWeightsOptions,
  type ParsedCheckpoint,
  checkpointParts,
  loadWeights,
  splitCheckpoint,
} from '../../model/checkpoint/index.js';
import type { Module } from '../../model/nn/module.js';
import type { LoadStateDictResult } from '../../model/nn/state-dict.js';
import { writeFileAtomic } from './atomic-write.js';
import { readSafetensorsFile } from './safetensors-file.js';

/** Writes model + optimizer + run state atomically (never a half-written checkpoint). */
export async function saveCheckpointFile(
  path: string,
  model: Module,
  optimizer: Optimizer | null,
  state: CheckpointState,
): Promise<void> {
  writeFileAtomic(path, await checkpointParts(model, optimizer, state));
}

export function readCheckpointFile(path: string): ParsedCheckpoint {
  return splitCheckpoint(readSafetensorsFile(path), path);
}

/** Loads model weights from any safetensors file (converted official, ImageNet, or ours). */
export function loadWeightsFile(
  path: string,
  module: Module,
  options: LoadWeightsOptions = {},
): LoadStateDictResult {
  return loadWeights(module, readSafetensorsFile(path), { ...options, source: options.source ?? path });
}
