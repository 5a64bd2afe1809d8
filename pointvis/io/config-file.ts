/** Config files on disk (Node): model/config does the parsing, merging and validation. */
import { readFileSync } from 'node:fs';
import {
  type PointvisConfig,
  loadConfig,
  loadConfigTree,
  type SourcedTree,
} from '../../model/config/index.js';

const readText = (path: string): string => readFileSync(path, 'utf8');

/** Loads a config file with its `_base_` chain and `a.b.c=value` overrides, validated. */
export function loadConfigFile(path: string, overrides: readonly string[] = []): PointvisConfig {
  return loadConfig(path, { read: readText, overrides });
}

/** The merged tree before validation (for `--print-config` style tools and tests). */
export function loadConfigFileTree(path: string, overrides: readonly string[] = []): SourcedTree {
  return loadConfigTree(path, { read: readText, overrides });
}
