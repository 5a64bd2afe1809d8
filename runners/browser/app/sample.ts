/**
 * The bundled sample, written by `pointvis serve` at build time (runners/browser/build.ts): a
 * synthetic video (pointvis/synth, lossless PNG frames), its categories, the run config it is
 * meant for and a model file.
 */
import type { YtvisCategory } from '../../../pointvis/formats/types.js';
import type { NamedFile } from './frame-files';
import { fetchJson } from './read-bytes';

export interface SampleManifest {
  /** What the sample is, for the page. */
  title: string;
  /** Config path inside the bundled configs (configs/...). */
  config: string;
  /** URLs relative to the page. */
  model: string;
  /** Where the model came from (a trained file, or a seeded initialisation). */
  modelSource: string;
  frames: string[];
  categories: YtvisCategory[];
  /** Tracks drawn from this score on (an untrained model scores low). */
  minScore: number;
}

export const SAMPLE_MANIFEST = 'sample/sample.json';
export const BUNDLED_CONFIGS = 'configs.json';

export async function fetchSampleManifest(): Promise<SampleManifest> {
  return (await fetchJson(SAMPLE_MANIFEST)) as SampleManifest;
}

export async function fetchBundledConfigs(): Promise<Map<string, string>> {
  const record = (await fetchJson(BUNDLED_CONFIGS)) as Record<string, string>;
  return new Map(Object.entries(record));
}

/** The sample's frames as files named like a picked folder's (sample/00000.png, …). */
export async function fetchSampleFrames(manifest: SampleManifest): Promise<NamedFile[]> {
  return Promise.all(
    manifest.frames.map(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
      return { file: await response.blob(), name: `sample/${url.slice(url.lastIndexOf('/') + 1)}` };
    }),
  );
}
