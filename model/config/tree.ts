/**
 * Raw config trees (parsed YAML/JSON before validation) and where each value came from, so an
 * error can name the file that set the offending key.
 */

export type ConfigValue = null | boolean | number | string | ConfigValue[] | ConfigTree;
export interface ConfigTree {
  [key: string]: ConfigValue;
}

/** Dotted key path → the sources that set or extended it, the latest last. */
export type Origins = Map<string, string[]>;

export interface SourcedTree {
  tree: ConfigTree;
  origins: Origins;
}

/** `_delete_: true` in a mapping: replace the inherited mapping instead of merging into it. */
export const DELETE_KEY = '_delete_';
/** Top-level `_base_`: a path or list of paths, relative to the file, merged first (in order). */
export const BASE_KEY = '_base_';

export function isTree(v: unknown): v is ConfigTree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function joinKey(path: readonly (string | number)[]): string {
  return path.map(String).join('.');
}

export function cloneValue<T extends ConfigValue>(v: T): T {
  return structuredClone(v);
}

/** Records `source` for every key path inside `value` (the value itself included). */
export function recordOrigins(
  origins: Origins,
  path: readonly (string | number)[],
  value: ConfigValue,
  source: string,
): void {
  const key = joinKey(path);
  origins.set(key, [source]);
  if (isTree(value)) {
    for (const [k, v] of Object.entries(value)) recordOrigins(origins, [...path, k], v, source);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => recordOrigins(origins, [...path, i], v, source));
  }
}

/** Forgets the origins of `path` and everything below it. */
export function dropOrigins(origins: Origins, path: readonly (string | number)[]): void {
  const key = joinKey(path);
  for (const k of [...origins.keys()]) {
    if (k === key || key === '' || k.startsWith(`${key}.`)) origins.delete(k);
  }
}

/** A tree read from one file: every value comes from it. */
export function sourcedFromFile(tree: ConfigTree, source: string): SourcedTree {
  const origins: Origins = new Map();
  recordOrigins(origins, [], tree, source);
  return { tree, origins };
}
