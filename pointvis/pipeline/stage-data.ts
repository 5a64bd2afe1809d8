/**
 * The data stage: the synthetic benchmark generated into the run directory, or the user's three
 * sets checked; then what the rest of the run needs to know about them — files, categories, and
 * which video categories are novel (absent from the image set, matched by name) or shared.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCoco, loadYtvis, readJsonFile } from '../formats/index.js';
import type { YtvisCategory } from '../formats/types.js';
import { writeJsonAtomic } from '../io/atomic-write';
import { SYNTH_PRESETS, type SynthPreset, generateSynth, isSynthPresetName } from '../synth/index.js';
import type { RunLayout } from './layout';
import type { DataFiles, RunConfig, SynthDataConfig } from './run-config';

export interface CategoryRef {
  id: number;
  name: string;
}

export interface DataInfo {
  /** "synth tiny (seed 0)" or "user data". */
  source: string;
  images: DataFiles;
  trainVideos: DataFiles;
  validVideos: DataFiles;
  imageCategories: CategoryRef[];
  /** The training videos' categories: the video model's classes. */
  videoCategories: CategoryRef[];
  /** Video category ids whose name is among the image categories' / is not. */
  sharedCategoryIds: number[];
  novelCategoryIds: number[];
  counts: {
    images: number;
    trainVideos: number;
    validVideos: number;
    trainFrames: number;
    validFrames: number;
  };
}

export class PipelineDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineDataError';
  }
}

/** The preset with the run config's counts in place of its own. */
export function synthPreset(s: SynthDataConfig): SynthPreset {
  if (!isSynthPresetName(s.preset)) throw new PipelineDataError(`synth preset "${s.preset}" is unknown`);
  const base = SYNTH_PRESETS[s.preset];
  return {
    ...base,
    images: { ...base.images, ...(s.images ?? {}) },
    videos: {
      ...base.videos,
      ...(s.videos ?? {}),
      frames: s.frames === null ? base.videos.frames : [s.frames[0]!, s.frames[1]!],
    },
  };
}

/** Split video categories by whether an image category has the same name (case and spacing ignored). */
export function splitCategories(
  imageCategories: readonly CategoryRef[],
  videoCategories: readonly CategoryRef[],
): { shared: number[]; novel: number[] } {
  const norm = (name: string) => name.trim().toLowerCase();
  const imageNames = new Set(imageCategories.map((c) => norm(c.name)));
  const shared = videoCategories.filter((c) => imageNames.has(norm(c.name))).map((c) => c.id);
  const novel = videoCategories.filter((c) => !imageNames.has(norm(c.name))).map((c) => c.id);
  return { shared, novel };
}

function checkFiles(files: DataFiles, what: string): void {
  if (!existsSync(files.annotations))
    throw new PipelineDataError(`${what}: ${files.annotations} does not exist`);
  if (!existsSync(files.root) || !statSync(files.root).isDirectory()) {
    throw new PipelineDataError(`${what}: the frames folder ${files.root} does not exist`);
  }
}

const refs = (categories: readonly YtvisCategory[]) =>
  [...categories].sort((a, b) => a.id - b.id).map((c) => ({ id: c.id, name: c.name }));

/** Every validation category must be a training category (same id, same name): the model's classes are the training ones. */
function checkValidCategories(train: CategoryRef[], valid: CategoryRef[], validFile: string): void {
  const byId = new Map(train.map((c) => [c.id, c.name]));
  for (const c of valid) {
    const name = byId.get(c.id);
    if (name === undefined) {
      throw new PipelineDataError(
        `${validFile}: category ${c.id} (${c.name}) is not a category of the training videos (ids ${train.map((t) => t.id).join(', ')})`,
      );
    }
    if (name !== c.name) {
      throw new PipelineDataError(
        `${validFile}: category ${c.id} is "${c.name}" but "${name}" in the training videos`,
      );
    }
  }
}

function generate(config: SynthDataConfig, layout: RunLayout, log: (line: string) => void) {
  const preset = synthPreset(config);
  log(`generating the synthetic benchmark (${preset.name}, seed ${config.seed}) into ${layout.synth}`);
  const meta = generateSynth({ outDir: layout.synth, preset, seed: config.seed });
  const at = (f: { annotations: string; root: string }) => ({
    annotations: join(layout.synth, f.annotations),
    root: join(layout.synth, f.root),
  });
  return {
    images: at(meta.layout.images.train),
    trainVideos: at(meta.layout.videos.train),
    validVideos: at(meta.layout.videos.valid),
  };
}

export function prepareData(config: RunConfig, layout: RunLayout, log: (line: string) => void): DataInfo {
  const synth = config.data.synth;
  const files =
    synth !== null
      ? generate(synth, layout, log)
      : {
          images: config.data.images!,
          trainVideos: config.data.trainVideos!,
          validVideos: config.data.validVideos!,
        };
  checkFiles(files.images, 'data.images');
  checkFiles(files.trainVideos, 'data.trainVideos');
  checkFiles(files.validVideos, 'data.validVideos');
  const images = loadCoco(files.images.annotations);
  const train = loadYtvis(files.trainVideos.annotations);
  const valid = loadYtvis(files.validVideos.annotations);
  const imageCategories = refs(images.categories);
  const videoCategories = refs(train.categories);
  checkValidCategories(videoCategories, refs(valid.categories), files.validVideos.annotations);
  const { shared, novel } = splitCategories(imageCategories, videoCategories);
  const frames = (d: typeof train) => d.videos.reduce((n, v) => n + v.length, 0);
  const info: DataInfo = {
    source: synth !== null ? `synth ${synth.preset} (seed ${synth.seed})` : 'user data',
    ...files,
    imageCategories,
    videoCategories,
    sharedCategoryIds: shared,
    novelCategoryIds: novel,
    counts: {
      images: images.images.length,
      trainVideos: train.videos.length,
      validVideos: valid.videos.length,
      trainFrames: frames(train),
      validFrames: frames(valid),
    },
  };
  writeJsonAtomic(layout.dataInfo, info);
  return info;
}

export function readDataInfo(layout: RunLayout): DataInfo {
  return readJsonFile(layout.dataInfo) as DataInfo;
}
