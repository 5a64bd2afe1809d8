/**
 * The bundled sample (Node side, at build time): the repository's configs as one JSON
 * (path → text) for the page's config loader; a synthetic video — video 1 of the valid split of
 * `pointvis synth --preset tiny --seed 0`, as lossless PNG frames so the page and the CLI read
 * the same pixels; its categories; and a model for configs/minvis/cpu-tiny.yaml: the trained
 * file at runners/browser/sample/model.safetensors (committed: the default `pointvis run`'s
 * self-trained P1 model, written by tools/sample-model.ts), otherwise the config's deterministic
 * seeded initialisation (untrained: its masks and scores mean nothing, but every run gives the
 * same ones).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hasEngine } from '../../../engine/index.js';
import { mask2formerFromConfig } from '../../../model/mask2former/index.js';
import type { YtvisCategory } from '../../../pointvis/formats/types.js';
import { encodePng } from '../../../pointvis/frames/index.js';
import { copyFileAtomic, writeFileAtomic, writeJsonAtomic } from '../../../pointvis/io/atomic-write.js';
import { loadConfigFile } from '../../../pointvis/io/config-file.js';
import { Rng, SYNTH_PRESETS, buildCategories, renderVideoScene } from '../../../pointvis/synth/index.js';
import { startNodeEngine } from '../../node/engine.js';
import { writeSafetensorsFile } from '../../node/safetensors-file.js';
import { CONFIGS_DIR, REPO_ROOT, SAMPLE_CONFIG, TRAINED_SAMPLE_MODEL } from './paths.js';

/** What the page reads from sample/sample.json (runners/browser/app/sample.ts). */
export interface SampleManifest {
  title: string;
  config: string;
  model: string;
  modelSource: string;
  frames: string[];
  categories: YtvisCategory[];
  minScore: number;
}

export const SAMPLE_SEED = 0;
/** Bump when the seeded model's recipe changes, so a cached file is rebuilt. */
const SEEDED_MODEL_RECIPE = 'mask2formerFromConfig(cpu-tiny) stateDict v1';

/** Every .yaml/.yml under configs/, keyed by its repository path (configs/minvis/cpu-tiny.yaml). */
export function bundledConfigs(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/i.test(entry.name))
        out[relative(REPO_ROOT, path).replaceAll('\\', '/')] = readFileSync(path, 'utf8');
    }
  };
  walk(CONFIGS_DIR);
  return out;
}

/** Writes OUT/sample/frames/00000.png, … and returns their URLs (relative to the page) and categories. */
function writeSampleVideo(sampleDir: string): { frames: string[]; categories: YtvisCategory[] } {
  const preset = SYNTH_PRESETS.tiny;
  const categories = buildCategories(preset.sharedCategories, preset.novelCategories);
  const scene = renderVideoScene(Rng.fromSeed(SAMPLE_SEED).fork('video', 'valid', 0), preset, categories);
  const framesDir = join(sampleDir, 'frames');
  rmSync(framesDir, { recursive: true, force: true });
  mkdirSync(framesDir, { recursive: true });
  const frames = scene.frames.map((frame, t) => {
    const name = `${String(t).padStart(5, '0')}.png`;
    writeFileAtomic(
      join(framesDir, name),
      encodePng({ width: frame.width, height: frame.height, data: frame.rgb }),
    );
    return `sample/frames/${name}`;
  });
  return { frames, categories: categories.map((c) => ({ id: c.id, name: c.name, supercategory: c.shape })) };
}

/**
 * OUT/sample/model.safetensors: the trained file when there is one, else the seeded
 * initialisation, rebuilt only when the config or the recipe changed (a stamp file says which).
 */
async function writeSampleModel(sampleDir: string, configText: string): Promise<string> {
  const target = join(sampleDir, 'model.safetensors');
  const stampFile = join(sampleDir, 'model.stamp');
  if (existsSync(TRAINED_SAMPLE_MODEL)) {
    copyFileAtomic(TRAINED_SAMPLE_MODEL, target);
    rmSync(stampFile, { force: true });
    return 'trained: runners/browser/sample/model.safetensors';
  }
  const stamp = createHash('sha256').update(SEEDED_MODEL_RECIPE).update(configText).digest('hex');
  const source = 'seeded initialisation of configs/minvis/cpu-tiny.yaml, untrained';
  if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return source;
  if (!hasEngine()) await startNodeEngine();
  const model = mask2formerFromConfig(loadConfigFile(join(REPO_ROOT, SAMPLE_CONFIG)));
  try {
    await writeSafetensorsFile(target, model.stateDict(), { pointvis_sample: source });
  } finally {
    model.dispose();
  }
  writeFileAtomic(stampFile, stamp);
  return source;
}

/** Writes OUT/configs.json and OUT/sample/ (frames, model, sample.json). */
export async function writeSampleAssets(outDir: string): Promise<SampleManifest> {
  const configs = bundledConfigs();
  writeJsonAtomic(join(outDir, 'configs.json'), configs);
  const sampleDir = join(outDir, 'sample');
  mkdirSync(sampleDir, { recursive: true });
  const { frames, categories } = writeSampleVideo(sampleDir);
  const configText = Object.entries(configs)
    .map(([path, text]) => `${path}\n${text}`)
    .join('\n');
  const modelSource = await writeSampleModel(sampleDir, configText);
  const manifest: SampleManifest = {
    title: `synthetic video: pointvis synth --preset tiny --seed ${SAMPLE_SEED}, valid video 1`,
    config: SAMPLE_CONFIG,
    model: 'sample/model.safetensors',
    modelSource,
    frames,
    categories,
    minScore: modelSource.startsWith('trained') ? 0.5 : 0,
  };
  writeJsonAtomic(join(sampleDir, 'sample.json'), manifest);
  writeJsonAtomic(join(sampleDir, 'categories.json'), { categories });
  return manifest;
}
