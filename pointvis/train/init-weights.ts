/**
 * Starting weights of a run (`--init` or `model.weights`): a whole model (a converted official
 * checkpoint or one of ours — the image model MinVIS starts from) loads by name, parameters
 * whose shape differs (the class head of another class count) staying at their init; a bare
 * Swin file (ImageNet weights) loads into the backbone.
 */
import { existsSync } from 'node:fs';
import { loadWeights } from '../../model/checkpoint/index.js';
import type { Module } from '../../model/nn/index.js';
import { readSafetensorsFile } from '../io/safetensors-file.js';
import { TrainingSetupError } from './errors.js';

const MODEL_PREFIXES = ['backbone.', 'sem_seg_head.'];

/** Loads the file into the model; returns a one-line summary (what was loaded, what was skipped). */
export function loadInitialWeights(model: Module, path: string, origin: string): string {
  if (!existsSync(path)) throw new TrainingSetupError(`${origin}: ${path} does not exist`);
  const contents = readSafetensorsFile(path);
  const names = [...contents.tensors.keys()];
  const wholeModel = names.some((n) => MODEL_PREFIXES.some((p) => n.startsWith(p)));
  const result = wholeModel
    ? loadWeights(model, contents, { strict: true, onShapeMismatch: 'skip', source: path })
    : loadWeights(model, contents, { strict: false, addPrefix: 'backbone.', source: path });
  const parts = [`loaded ${result.loaded.length} tensors from ${path}`];
  if (result.mismatched.length > 0) {
    parts.push(`left at init (shape differs): ${result.mismatched.map((m) => m.name).join(', ')}`);
  }
  if (!wholeModel) {
    const backbone = result.missingKeys.filter((n) => n.startsWith('backbone.')).length;
    parts.push(
      `backbone only (${backbone} backbone tensors missing, ${result.unexpectedKeys.length} unused)`,
    );
  }
  return parts.join('; ');
}
