/**
 * Model weights from a safetensors file (a converted official checkpoint, ImageNet backbone
 * weights, or one of our training checkpoints) into a module, by the original names.
 */
import type { HostTensor, SafetensorsContents } from '../../engine/index.js';
import type { Module } from '../nn/module.js';
import type { LoadStateDictResult, StateValue } from '../nn/state-dict.js';
import { isDerivedStateName } from './official-names.js';
import { OPTIMIZER_PREFIX } from './training-checkpoint.js';

export interface LoadWeightsOptions {
  /** Missing and unexpected names are errors (default true). */
  strict?: boolean;
  /**
   * Load only the names under this prefix, with it removed (e.g. 'backbone.' into the backbone
   * module); the others are not counted as unexpected.
   */
  prefix?: string;
  /** Prepend this to the file's names first (ImageNet Swin weights carry bare Swin names). */
  addPrefix?: string;
  /** 'skip' leaves shape-mismatched parameters at their init (another class count). */
  onShapeMismatch?: 'error' | 'skip';
  /** More names to leave out silently. */
  ignore?: (name: string) => boolean;
  /** Names the file in errors. */
  source?: string;
}

/** The model tensors of a file: without optimizer state, renamed by addPrefix/prefix. */
export function modelTensorsOf(
  tensors: ReadonlyMap<string, HostTensor | StateValue>,
  options: Pick<LoadWeightsOptions, 'prefix' | 'addPrefix'> = {},
): Map<string, StateValue> {
  const out = new Map<string, StateValue>();
  for (const [raw, t] of tensors) {
    if (raw.startsWith(OPTIMIZER_PREFIX)) continue;
    const name = (options.addPrefix ?? '') + raw;
    if (options.prefix) {
      if (name.startsWith(options.prefix)) out.set(name.slice(options.prefix.length), t);
    } else {
      out.set(name, t);
    }
  }
  return out;
}

/**
 * Loads weights into `module` by name. Derived buffers (relative_position_index, attn_mask,
 * criterion.empty_weight) are ignored; everything else follows Module.loadStateDict.
 */
export function loadWeights(
  module: Module,
  file: SafetensorsContents | ReadonlyMap<string, StateValue>,
  options: LoadWeightsOptions = {},
): LoadStateDictResult {
  const tensors = file instanceof Map ? file : (file as SafetensorsContents).tensors;
  const source = modelTensorsOf(tensors, options);
  const extra = options.ignore ?? (() => false);
  return module.loadStateDict(source, {
    strict: options.strict,
    onShapeMismatch: options.onShapeMismatch,
    ignore: (name) => isDerivedStateName((options.prefix ?? '') + name) || extra(name),
    source: options.source,
  });
}
