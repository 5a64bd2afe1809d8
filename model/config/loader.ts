/**
 * Loading a config: read the file, compose its `_base_` chain depth-first (each base with its
 * own bases, in list order, then the file on top), apply command-line overrides, validate
 * against the schema. File access is a callback so this runs in the browser as well; Node's
 * reader is in pointvis/io/config-file.ts.
 */
import { parse, stringify } from 'yaml';
import { type ConfigProblem, ConfigError } from './errors.js';
import { finalizeTree, mergeSourced } from './merge.js';
import { applyOverrides } from './overrides.js';
import { normalizePath, resolveRelative } from './paths.js';
import { type AnySchema, type Issue, type Schema, formatPath, validate } from './schema.js';
import { pointvisConfigSchema } from './schema-pointvis.js';
import {
  BASE_KEY,
  type ConfigTree,
  DELETE_KEY,
  type SourcedTree,
  isTree,
  joinKey,
  sourcedFromFile,
} from './tree.js';
import type { PointvisConfig } from './types.js';

/** Returns a file's text; throws when it cannot (the message is passed on). */
export type ConfigReader = (path: string) => string;

export interface LoadConfigOptions {
  read: ConfigReader;
  /** `a.b.c=value` strings, applied in order after every file. */
  overrides?: readonly string[];
}

/** Parses one file's text: JSON for `.json`, YAML otherwise. An empty file is an empty mapping. */
export function parseConfigText(text: string, source: string): ConfigTree {
  let value: unknown;
  try {
    value = source.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw ConfigError.single(source, '', `cannot parse: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isTree(value))
    throw ConfigError.single(source, '', 'the top level must be a mapping of keys to values');
  checkDeleteMarkers(value, source, []);
  return value as ConfigTree;
}

function checkDeleteMarkers(tree: Record<string, unknown>, source: string, path: string[]): void {
  for (const [k, v] of Object.entries(tree)) {
    if (k === DELETE_KEY && typeof v !== 'boolean') {
      throw ConfigError.single(
        source,
        joinKey([...path, k]),
        `must be true or false, got ${JSON.stringify(v)}`,
      );
    }
    if (isTree(v)) checkDeleteMarkers(v, source, [...path, k]);
  }
}

function baseList(tree: ConfigTree, source: string): string[] {
  const raw = tree[BASE_KEY];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every((b): b is string => typeof b === 'string' && b.length > 0)) {
    throw ConfigError.single(source, BASE_KEY, 'must be a path or a list of paths (relative to this file)');
  }
  return list;
}

/** One file with its bases merged underneath it, not yet validated. */
export function composeConfigFile(
  path: string,
  read: ConfigReader,
  chain: readonly string[] = [],
): SourcedTree {
  if (chain.includes(path)) {
    throw ConfigError.single(path, BASE_KEY, `inheritance cycle: ${[...chain, path].join(' -> ')}`);
  }
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    const via = chain.length > 0 ? `${chain[chain.length - 1]!}` : path;
    throw ConfigError.single(
      via,
      chain.length > 0 ? BASE_KEY : '',
      `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  const tree = parseConfigText(text, path);
  const bases = baseList(tree, path);
  delete tree[BASE_KEY];
  const own = sourcedFromFile(tree, path);
  if (bases.length === 0) return own;
  let merged: SourcedTree = { tree: {}, origins: new Map() };
  for (const b of bases)
    merged = mergeSourced(merged, composeConfigFile(resolveRelative(path, b), read, [...chain, path]));
  return mergeSourced(merged, own);
}

/** The merged, overridden tree of a config file (not validated). */
export function loadConfigTree(path: string, options: LoadConfigOptions): SourcedTree {
  const composed = finalizeTree(composeConfigFile(normalizePath(path), options.read));
  applyOverrides(composed, options.overrides ?? []);
  return composed;
}

/** The file blamed for a problem at `path`: whoever set the value, or the mapping it belongs to. */
function sourceOf(t: SourcedTree, path: readonly (string | number)[], topSource: string): string {
  for (let i = path.length; i >= 0; i--) {
    const sources = t.origins.get(joinKey(path.slice(0, i)));
    if (!sources || sources.length === 0) continue;
    if (i === path.length || sources.length === 1) return sources[sources.length - 1]!;
    return `${topSource} (merged from ${sources.join(', ')})`;
  }
  return topSource;
}

/** Validates a tree against a schema; every problem names its file and key path. */
export function validateTree<T>(t: SourcedTree, schema: Schema<T>, topSource: string): T {
  const issues: Issue[] = [];
  const value = validate(schema, t.tree, issues, [], schema as AnySchema);
  if (issues.length > 0) {
    const problems: ConfigProblem[] = issues.map((i) => ({
      source: sourceOf(t, i.path, topSource),
      keyPath: i.path.length ? formatPath(i.path) : '',
      problem: i.message,
    }));
    throw new ConfigError(problems);
  }
  return value;
}

/** Loads, merges, overrides and validates a run config. */
export function loadConfig(path: string, options: LoadConfigOptions): PointvisConfig {
  return validateTree(loadConfigTree(path, options), pointvisConfigSchema, normalizePath(path));
}

/** Validates a config already in memory (e.g. the one stored in a checkpoint). */
export function configFromObject(value: unknown, source = 'config'): PointvisConfig {
  if (!isTree(value))
    throw ConfigError.single(source, '', 'the top level must be a mapping of keys to values');
  return validateTree(sourcedFromFile(value as ConfigTree, source), pointvisConfigSchema, source);
}

/** YAML text of a resolved config (what a run saves beside its outputs). */
export function configToYaml(config: PointvisConfig): string {
  return stringify(config, { lineWidth: 0 });
}
