/**
 * Training checkpoints as one safetensors file: the model's state dict under its own names (so
 * the same file loads as plain weights), the optimizer state under `optimizer/<param>.<buffer>`,
 * and the iteration, config and random state as JSON in the metadata. Bytes only: the file IO is
 * in pointvis/io/checkpoint-file.ts.
 */
import {
  EngineError,
  type LoadedTensor,
  type Optimizer,
  type SafetensorsContents,
  type Tensor,
  concatParts,
  parseSafetensors,
  tensor,
  tensorsToSafetensorsParts,
  tidyAsync,
} from '../../engine/index.js';
import { randomState, setRandomState } from '../nn/dropout.js';
import type { Module } from '../nn/module.js';
import type { LoadStateDictResult } from '../nn/state-dict.js';

/** Optimizer state names start with this; module names never contain a '/'. */
export const OPTIMIZER_PREFIX = 'optimizer/';
export const CHECKPOINT_FORMAT = 'pointvis-training-checkpoint/1';

/** Random state of a run: the dropout/drop-path draw counters and whatever the data side keeps. */
export interface RngState {
  modules: Record<string, number>;
  data: unknown;
}

export interface CheckpointState {
  /** Iterations completed (the next step is this one). */
  iteration: number;
  /** The resolved run config (stored as JSON, returned as parsed JSON). */
  config: unknown;
  /** The data pipeline's random state (JSON-serialisable); the modules' counters are added. */
  dataRng?: unknown;
}

export interface ParsedCheckpoint {
  /** Model tensors by original name. */
  model: Map<string, LoadedTensor>;
  /** Optimizer state by `<param>.<buffer>` (prefix removed). */
  optimizer: Map<string, LoadedTensor>;
  iteration: number;
  config: unknown;
  rng: RngState;
  metadata: Record<string, string>;
}

/** Serialises model, optimizer and run state (reads the GPU tensors back). */
export async function serializeCheckpoint(
  model: Module,
  optimizer: Optimizer | null,
  state: CheckpointState,
): Promise<Uint8Array> {
  return concatParts(await checkpointParts(model, optimizer, state));
}

/** serializeCheckpoint as consecutive parts, for files past one buffer's size (safetensorsParts). */
export async function checkpointParts(
  model: Module,
  optimizer: Optimizer | null,
  state: CheckpointState,
): Promise<Uint8Array[]> {
  if (!Number.isSafeInteger(state.iteration) || state.iteration < 0) {
    throw new EngineError(`checkpoint: iteration ${state.iteration} must be a non-negative integer`);
  }
  return tidyAsync(async () => {
    const tensors = new Map<string, Tensor>(model.stateDict());
    for (const name of tensors.keys()) {
      if (name.includes('/')) throw new EngineError(`checkpoint: module tensor name '${name}' contains '/'`);
    }
    if (optimizer) for (const [name, t] of optimizer.stateTensors()) tensors.set(OPTIMIZER_PREFIX + name, t);
    const rng: RngState = { modules: randomState(model), data: state.dataRng ?? null };
    return tensorsToSafetensorsParts(tensors, {
      format: CHECKPOINT_FORMAT,
      iteration: String(state.iteration),
      config: JSON.stringify(state.config ?? null),
      rng: JSON.stringify(rng),
    });
  });
}

function metadataJson(metadata: Record<string, string>, key: string, source: string): unknown {
  const text = metadata[key];
  if (text === undefined)
    throw new EngineError(`${source}: not a training checkpoint (no '${key}' in the metadata)`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EngineError(`${source}: metadata '${key}' is not valid JSON: ${(err as Error).message}`);
  }
}

/** Splits a parsed file into model tensors, optimizer state and run state. */
export function splitCheckpoint(contents: SafetensorsContents, source = 'checkpoint'): ParsedCheckpoint {
  const { metadata } = contents;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new EngineError(
      `${source}: format ${JSON.stringify(metadata.format ?? null)} is not ${CHECKPOINT_FORMAT} (plain weights load with loadWeights)`,
    );
  }
  const iteration = Number(metadata.iteration);
  if (!Number.isSafeInteger(iteration) || iteration < 0)
    throw new EngineError(`${source}: iteration '${metadata.iteration}' is invalid`);
  const rng = metadataJson(metadata, 'rng', source) as RngState;
  if (typeof rng !== 'object' || rng === null || typeof rng.modules !== 'object' || rng.modules === null) {
    throw new EngineError(`${source}: metadata 'rng' has no module counters`);
  }
  const model = new Map<string, LoadedTensor>();
  const optimizer = new Map<string, LoadedTensor>();
  for (const [name, t] of contents.tensors) {
    if (name.startsWith(OPTIMIZER_PREFIX)) optimizer.set(name.slice(OPTIMIZER_PREFIX.length), t);
    else model.set(name, t);
  }
  return { model, optimizer, iteration, config: metadataJson(metadata, 'config', source), rng, metadata };
}

export function parseCheckpoint(bytes: Uint8Array, source = 'checkpoint'): ParsedCheckpoint {
  return splitCheckpoint(parseSafetensors(bytes, source), source);
}

export interface RestoredCheckpoint {
  iteration: number;
  config: unknown;
  dataRng: unknown;
  model: LoadStateDictResult;
}

/**
 * Restores a checkpoint into a model (strictly: a checkpoint of this very model) and, when
 * given, its optimizer; sets the dropout counters. Returns the run state to resume from.
 */
export async function restoreCheckpoint(
  ckpt: ParsedCheckpoint,
  model: Module,
  optimizer: Optimizer | null,
  source = 'checkpoint',
): Promise<RestoredCheckpoint> {
  const loaded = model.loadStateDict(ckpt.model, { strict: true, source });
  if (optimizer) {
    await tidyAsync(async () => {
      const gpu = new Map<string, Tensor>();
      for (const [name, t] of ckpt.optimizer) gpu.set(name, tensor(t.data, t.shape, t.dtype));
      await optimizer.loadStateTensors(gpu);
    });
  }
  setRandomState(model, ckpt.rng.modules);
  return { iteration: ckpt.iteration, config: ckpt.config, dataRng: ckpt.rng.data, model: loaded };
}
