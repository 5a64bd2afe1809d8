/**
 * Loading a run config: the file with its `_base_` chain and `key=value` overrides (the model
 * configs' loader utilities), defaults for a `data.synth` mapping, the override mappings set
 * aside for the model configs, validation against the run schema (every problem names its file
 * and key), and paths made absolute — each relative to the file that set it (the working
 * directory for command-line overrides), so an inherited config keeps pointing at its files.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type ConfigReader,
  ConfigError,
  type ConfigTree,
  type PointvisConfig,
  type SourcedTree,
  applyOverrides,
  composeConfigFile,
  loadConfigTree,
  mergeSourced,
  pointvisConfigSchema,
  validateTree,
} from '../../model/config/index.js';
import { finalizeTree } from '../../model/config/merge.js';
import { normalizePath } from '../../model/config/paths.js';
import { dropOrigins, isTree, joinKey, sourcedFromFile } from '../../model/config/tree.js';
import { stringify } from 'yaml';
import { checkImageTrainingConfig, checkVideoTrainingConfig } from '../train/index.js';
import { type RunConfig, type RunConfigFields, runConfigSchema } from './run-config';

const readText: ConfigReader = (path) => readFileSync(path, 'utf8');

/** What a `data.synth` mapping starts from: only the keys it sets change. */
const SYNTH_DEFAULTS: ConfigTree = { preset: 'tiny', seed: 0, images: null, videos: null, frames: null };

const OVERRIDE_KEYS = [
  ['imageModel', 'overrides'],
  ['videoModel', 'overrides'],
  ['selfTraining', 'overrides'],
] as const;

const PATH_KEYS = [
  ['imageModel', 'config'],
  ['videoModel', 'config'],
  ...(['images', 'trainVideos', 'validVideos'] as const).flatMap((set) => [
    ['data', set, 'annotations'],
    ['data', set, 'root'],
  ]),
] as const;

export interface LoadRunConfigOptions {
  /** `key.path=value`, applied after every file (e.g. `videoModel.overrides.solver.maxIter=10`). */
  overrides?: readonly string[];
  read?: ConfigReader;
}

function nodeAt(tree: ConfigTree, path: readonly string[]): ConfigTree | null {
  let node: ConfigTree = tree;
  for (const key of path) {
    const next = node[key];
    if (!isTree(next)) return null;
    node = next;
  }
  return node;
}

function fillSynthDefaults(t: SourcedTree): void {
  const data = nodeAt(t.tree, ['data']);
  if (data === null || !isTree(data.synth)) return;
  data.synth = { ...SYNTH_DEFAULTS, ...data.synth };
}

/** Takes the mapping at `path` out of the tree (with its origins re-rooted); absent or null: empty. */
function takeMapping(t: SourcedTree, path: readonly string[], top: string): SourcedTree {
  const parent = nodeAt(t.tree, path.slice(0, -1));
  const key = path[path.length - 1]!;
  const value = parent?.[key];
  const prefix = joinKey(path);
  if (value === undefined || value === null) {
    if (parent !== null) delete parent[key];
    return { tree: {}, origins: new Map() };
  }
  if (!isTree(value)) {
    const source = t.origins.get(prefix)?.at(-1) ?? top;
    throw ConfigError.single(
      source,
      prefix,
      `must be a mapping of model-config keys (e.g. solver: {maxIter: 100}), got ${JSON.stringify(value)}`,
    );
  }
  const origins = new Map<string, string[]>();
  for (const [k, sources] of t.origins) {
    if (k === prefix) origins.set('', sources);
    else if (k.startsWith(`${prefix}.`)) origins.set(k.slice(prefix.length + 1), sources);
  }
  delete parent![key];
  dropOrigins(t.origins, path);
  return { tree: value, origins };
}

/** The absolute path of a path value, relative to the file that set it. */
function resolvePathValue(t: SourcedTree, path: readonly string[], value: string): string {
  const source = t.origins.get(joinKey(path))?.at(-1);
  if (source === undefined || source.startsWith('command line')) return resolve(value);
  return resolve(dirname(source), value);
}

function resolvePaths(t: SourcedTree, fields: RunConfigFields): void {
  for (const path of PATH_KEYS) {
    const parent = nodeAt(fields as unknown as ConfigTree, path.slice(0, -1));
    const key = path[path.length - 1]!;
    const value = parent?.[key];
    if (parent !== null && typeof value === 'string') parent[key] = resolvePathValue(t, path, value);
  }
}

/** Loads, merges, overrides and validates a run config; its paths come back absolute. */
export function loadRunConfig(path: string, options: LoadRunConfigOptions = {}): RunConfig {
  const read = options.read ?? readText;
  const top = normalizePath(path);
  const t = finalizeTree(composeConfigFile(top, read));
  applyOverrides(t, options.overrides ?? []);
  fillSynthDefaults(t);
  const [image, video, selfTraining] = OVERRIDE_KEYS.map((p) => takeMapping(t, p, top));
  const fields = validateTree(t, runConfigSchema, top);
  resolvePaths(t, fields);
  return {
    ...fields,
    imageModel: { config: fields.imageModel.config, overrides: image! },
    videoModel: { config: fields.videoModel.config, overrides: video! },
    selfTraining: { rounds: fields.selfTraining.rounds, overrides: selfTraining! },
  };
}

/** The config as plain data (what run-config.yaml holds; loading it gives the same config). */
export function runConfigTree(config: RunConfig): ConfigTree {
  const plain = JSON.parse(
    JSON.stringify({
      ...config,
      imageModel: { config: config.imageModel.config, overrides: config.imageModel.overrides.tree },
      videoModel: { config: config.videoModel.config, overrides: config.videoModel.overrides.tree },
      selfTraining: { rounds: config.selfTraining.rounds, overrides: config.selfTraining.overrides.tree },
    }),
  ) as ConfigTree;
  return plain;
}

export function runConfigToYaml(config: RunConfig): string {
  return stringify(runConfigTree(config), { lineWidth: 0 });
}

/** A mapping merged over a model config, named in errors by `source`. */
export function configLayer(tree: ConfigTree, source: string): SourcedTree {
  return sourcedFromFile(structuredClone(tree), source);
}

/** A model config file, its run-config overrides, then `layers` on top, validated. */
export function loadModelConfig(
  ref: RunConfig['imageModel'],
  layers: readonly SourcedTree[] = [],
  read: ConfigReader = readText,
): PointvisConfig {
  let t = loadConfigTree(ref.config, { read });
  for (const layer of [ref.overrides, ...layers]) t = mergeSourced(t, layer);
  return validateTree(finalizeTree(t), pointvisConfigSchema, normalizePath(ref.config));
}

/** The video model's config for the self-training rounds: the video config with the self-training overrides. */
export function selfTrainingLayers(config: RunConfig): SourcedTree[] {
  return [config.selfTraining.overrides];
}

/** The seed layer every model config of a run gets. */
export function seedLayer(config: RunConfig): SourcedTree {
  return configLayer({ seed: config.seeds.training }, 'run config (seeds.training)');
}

/**
 * Loads both model configs (and the self-training variant) once, so a bad key or value stops
 * the run before any work, naming its file and key.
 */
export function checkModelConfigs(config: RunConfig, read: ConfigReader = readText): void {
  const seed = seedLayer(config);
  const image = inContext('imageModel', () => loadModelConfig(config.imageModel, [seed], read));
  checkImageTrainingConfig(image, `imageModel ${config.imageModel.config}`);
  const video = inContext('videoModel', () => loadModelConfig(config.videoModel, [seed], read));
  checkVideoTrainingConfig(video, `videoModel ${config.videoModel.config}`);
  const selfTrained = inContext('videoModel with selfTraining.overrides', () =>
    loadModelConfig(config.videoModel, [seed, ...selfTrainingLayers(config)], read),
  );
  checkVideoTrainingConfig(selfTrained, `videoModel ${config.videoModel.config} with selfTraining.overrides`);
}

/** Config problems of a model config, each saying which model of the run it belongs to. */
export function inContext<T>(label: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((p) => ({ ...p, source: `${label}: ${p.source}` })));
  }
}
