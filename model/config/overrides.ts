/**
 * Command-line overrides `a.b.c=value`: the value is parsed as YAML (`1e-4` a number, `[2,2]` a
 * list, `null` null, anything else a string) and set at the key path. A mapping value merges into
 * an existing mapping like a file would (`_delete_: true` replaces it); a numeric segment indexes
 * into an existing list (`model.swin.depths.2=18`).
 */
import { parse } from 'yaml';
import { ConfigError } from './errors.js';
import { mergeSourced } from './merge.js';
import {
  type ConfigTree,
  type ConfigValue,
  type SourcedTree,
  dropOrigins,
  isTree,
  joinKey,
  recordOrigins,
  sourcedFromFile,
} from './tree.js';

export interface ParsedOverride {
  keyPath: string[];
  value: ConfigValue;
  /** How errors name it: `command line (a.b=1)`. */
  source: string;
}

export function parseOverride(text: string): ParsedOverride {
  const source = `command line (${text})`;
  const eq = text.indexOf('=');
  if (eq <= 0) throw ConfigError.single(source, '', 'an override is key.path=value');
  const key = text.slice(0, eq).trim();
  const keyPath = key.split('.');
  if (keyPath.some((k) => k === '')) throw ConfigError.single(source, key, 'empty segment in the key path');
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (err) {
    throw ConfigError.single(
      source,
      key,
      `value is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return { keyPath, value: (value ?? null) as ConfigValue, source };
}

function describeNode(v: ConfigValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isTree(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Applies one override to `target` in place. */
export function applyOverride(target: SourcedTree, o: ParsedOverride): void {
  let node: ConfigTree | ConfigValue[] = target.tree;
  const walked: (string | number)[] = [];
  for (let i = 0; i < o.keyPath.length; i++) {
    const seg = o.keyPath[i]!;
    const last = i === o.keyPath.length - 1;
    let key: string | number = seg;
    if (Array.isArray(node)) {
      const index = Number(seg);
      if (!Number.isInteger(index) || index < 0 || index >= node.length) {
        throw ConfigError.single(
          o.source,
          joinKey([...walked, seg]),
          `${joinKey(walked)} is a list of ${node.length}; '${seg}' is not an index in it`,
        );
      }
      key = index;
    }
    const at = [...walked, key];
    const current: ConfigValue | undefined = Array.isArray(node) ? node[key as number] : node[key as string];
    if (last) {
      if (isTree(o.value) && isTree(current)) {
        // A mapping merges like a file: build {k: value} at this spot and merge it.
        const merged = mergeSourced(
          { tree: { v: current }, origins: prefixed(target, at) },
          sourcedFromFile({ v: o.value }, o.source),
        );
        setAt(node, key, merged.tree.v!);
        dropOrigins(target.origins, at);
        for (const [k, s] of merged.origins)
          if (k === 'v' || k.startsWith('v.')) target.origins.set(joinKey(at) + k.slice(1), s);
      } else {
        setAt(node, key, structuredClone(o.value));
        dropOrigins(target.origins, at);
        recordOrigins(target.origins, at, o.value, o.source);
      }
      return;
    }
    if (current === undefined) {
      if (Array.isArray(node)) throw new Error('unreachable: index checked above');
      const fresh: ConfigTree = {};
      node[key as string] = fresh;
      recordOrigins(target.origins, at, fresh, o.source);
      node = fresh;
    } else if (isTree(current) || Array.isArray(current)) {
      node = current;
    } else {
      throw ConfigError.single(
        o.source,
        joinKey(at),
        `is ${describeNode(current)}, so it has no '${o.keyPath[i + 1]}' to set`,
      );
    }
    walked.push(key);
  }
}

function setAt(node: ConfigTree | ConfigValue[], key: string | number, value: ConfigValue): void {
  if (Array.isArray(node)) node[key as number] = value;
  else node[key as string] = value;
}

/** The origins under `at`, re-rooted at `v` (for a local merge). */
function prefixed(target: SourcedTree, at: readonly (string | number)[]): Map<string, string[]> {
  const key = joinKey(at);
  const out = new Map<string, string[]>();
  for (const [k, s] of target.origins) {
    if (k === key) out.set('v', s);
    else if (k.startsWith(`${key}.`)) out.set(`v${k.slice(key.length)}`, s);
  }
  return out;
}

export function applyOverrides(target: SourcedTree, overrides: readonly string[]): void {
  for (const text of overrides) applyOverride(target, parseOverride(text));
}
