/**
 * Deep merge with the `_base_` semantics of detectron2/mmcv configs: mappings merge key by key,
 * lists and scalars replace, and `_delete_: true` inside a mapping replaces the inherited
 * mapping wholesale.
 */
import { ConfigError } from './errors.js';
import {
  type ConfigTree,
  type ConfigValue,
  DELETE_KEY,
  type Origins,
  type SourcedTree,
  cloneValue,
  dropOrigins,
  isTree,
  joinKey,
} from './tree.js';

function deleteFlag(tree: ConfigTree, origins: Origins, path: readonly (string | number)[]): boolean {
  const flag = tree[DELETE_KEY];
  if (flag === undefined) return false;
  if (typeof flag !== 'boolean') {
    const source = origins.get(joinKey([...path, DELETE_KEY]))?.at(-1) ?? 'config';
    throw ConfigError.single(
      source,
      joinKey([...path, DELETE_KEY]),
      `must be true or false, got ${JSON.stringify(flag)}`,
    );
  }
  return flag;
}

/** A copy without any `_delete_` keys (they only steer merging). */
export function stripDeleteKeys(value: ConfigValue): ConfigValue {
  if (Array.isArray(value)) return value.map(stripDeleteKeys);
  if (!isTree(value)) return value;
  const out: ConfigTree = {};
  for (const [k, v] of Object.entries(value)) if (k !== DELETE_KEY) out[k] = stripDeleteKeys(v);
  return out;
}

function copyOrigins(from: Origins, to: Origins, path: readonly (string | number)[]): void {
  const key = joinKey(path);
  for (const [k, sources] of from) {
    if (k === key || key === '' || k.startsWith(`${key}.`)) to.set(k, [...sources]);
  }
}

function mergeTree(
  base: ConfigTree,
  baseOrigins: Origins,
  over: ConfigTree,
  overOrigins: Origins,
  path: (string | number)[],
): void {
  for (const [key, value] of Object.entries(over)) {
    if (key === DELETE_KEY) continue;
    const at = [...path, key];
    const existing = base[key];
    if (isTree(value) && isTree(existing) && !deleteFlag(value, overOrigins, at)) {
      const sources = baseOrigins.get(joinKey(at)) ?? [];
      const added = overOrigins.get(joinKey(at)) ?? [];
      baseOrigins.set(joinKey(at), [...sources.filter((s) => !added.includes(s)), ...added]);
      mergeTree(existing, baseOrigins, value, overOrigins, at);
    } else {
      dropOrigins(baseOrigins, at);
      base[key] = stripDeleteKeys(cloneValue(value));
      copyOrigins(overOrigins, baseOrigins, at);
    }
  }
}

/**
 * `over` merged onto `base` (neither is modified). A top-level `_delete_: true` in `over`
 * discards `base` entirely.
 */
export function mergeSourced(base: SourcedTree, over: SourcedTree): SourcedTree {
  if (deleteFlag(over.tree, over.origins, [])) {
    return { tree: stripDeleteKeys(cloneValue(over.tree)) as ConfigTree, origins: new Map(over.origins) };
  }
  const tree = cloneValue(base.tree);
  const origins: Origins = new Map([...base.origins].map(([k, v]) => [k, [...v]]));
  const rootSources = origins.get('') ?? [];
  const overRoot = over.origins.get('') ?? [];
  origins.set('', [...rootSources.filter((s) => !overRoot.includes(s)), ...overRoot]);
  mergeTree(tree, origins, over.tree, over.origins, []);
  return { tree, origins };
}

/** The final tree: leftover `_delete_` markers (in files without bases) removed. */
export function finalizeTree(t: SourcedTree): SourcedTree {
  return { tree: stripDeleteKeys(t.tree) as ConfigTree, origins: t.origins };
}
