/**
 * Run configs in the page: the repository's configs/ (bundled as path → text at build time) and
 * config files the user picked, composed with `_base_` inheritance by model/config, exactly as
 * the CLI's loadConfigFile does from disk. A picked file sits at `configs/picked/<name>`, so its
 * `_base_` may name other picked files (`other.yaml`) or repository configs
 * (`../minvis/base-ytvis19.yaml`, `../models/cpu-tiny.yaml`).
 */
import { type PointvisConfig, configFromObject, loadConfig } from '../../../model/config/index.js';

export const PICKED_DIR = 'configs/picked';

export class ConfigFiles {
  private readonly picked = new Map<string, string>();

  constructor(private readonly bundled: ReadonlyMap<string, string>) {}

  /** Repository config paths, sorted (those under configs/ that are whole run configs). */
  get bundledPaths(): string[] {
    return [...this.bundled.keys()].sort();
  }

  get pickedPaths(): string[] {
    return [...this.picked.keys()];
  }

  /** Adds a picked file; returns its path. */
  addPicked(name: string, text: string): string {
    const path = `${PICKED_DIR}/${name.replaceAll('/', '_')}`;
    this.picked.set(path, text);
    return path;
  }

  private read = (path: string): string => {
    const text = this.picked.get(path) ?? this.bundled.get(path);
    if (text === undefined)
      throw new Error('no such config file (pick it together with the config that names it)');
    return text;
  };

  /** The validated run config at `path`, with its bases and `key=value` overrides. */
  load(path: string, overrides: readonly string[] = []): PointvisConfig {
    return loadConfig(path, { read: this.read, overrides });
  }
}

/** The run config a training checkpoint stores in its metadata (`config`, JSON), or null. */
export function storedConfig(
  metadata: Readonly<Record<string, string>>,
  source: string,
): PointvisConfig | null {
  const text = metadata.config;
  if (text === undefined || text === 'null') return null;
  return configFromObject(JSON.parse(text) as unknown, `${source} (stored config)`);
}
