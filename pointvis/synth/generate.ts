import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PointvisDataError } from '../errors';
import type {
  CocoAnnotation,
  CocoDataset,
  CocoImage,
  YtvisAnnotation,
  YtvisDataset,
  YtvisVideo,
} from '../formats/types';
import { saveCoco, saveYtvis } from '../formats';
import { writeFileAtomic } from '../io/atomic-write';
import { imageAnnotations, videoAnnotations } from './annotations';
import { buildCategories, type SynthCategory } from './categories';
import { encodeRgbJpeg } from './jpeg';
import type { SynthPreset } from './presets';
import { Rng } from './prng';
import { renderImageScene, renderVideoScene } from './scene-render';

/**
 * Writes the synthetic benchmark to a directory:
 *   images/{train,valid}/NNNNNN.jpg + images/{train,valid}.json   COCO instances (shared categories only)
 *   videos/{train,valid}/video_NNNN/NNNNN.jpg + videos/{train,valid}.json   YouTube-VIS (all categories)
 *   meta.json   categories (shared / novel), preset, seed, counts, layout
 * Every byte follows from (preset, seed).
 */

export const SYNTH_SPLITS = ['train', 'valid'] as const;
export type SynthSplit = (typeof SYNTH_SPLITS)[number];

export const SYNTH_GENERATOR = 'pointvis synth';
export const SYNTH_FORMAT_VERSION = 1;

export interface SynthOptions {
  outDir: string;
  preset: SynthPreset;
  seed: number;
  /** Called after each image or video is written. */
  onProgress?: (done: number, total: number) => void;
}

export interface SynthImageCounts {
  images: number;
  annotations: number;
}

export interface SynthVideoCounts {
  videos: number;
  frames: number;
  annotations: number;
  /** Object-frames with a mask (non-null segmentations). */
  masks: number;
}

/** The content of meta.json. */
export interface SynthMeta {
  generator: string;
  formatVersion: number;
  preset: SynthPreset;
  seed: number;
  categories: SynthCategory[];
  sharedCategoryIds: number[];
  novelCategoryIds: number[];
  /** Paths relative to the output directory: annotation JSON and the folder its file names are relative to. */
  layout: {
    images: Record<SynthSplit, { annotations: string; root: string }>;
    videos: Record<SynthSplit, { annotations: string; root: string }>;
  };
  counts: {
    images: Record<SynthSplit, SynthImageCounts>;
    videos: Record<SynthSplit, SynthVideoCounts>;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function videoName(index: number): string {
  return `video_${pad(index + 1, 4)}`;
}

export function generateSynth(options: SynthOptions): SynthMeta {
  const { outDir, preset, seed } = options;
  prepareOutputDir(outDir);
  const categories = buildCategories(preset.sharedCategories, preset.novelCategories);
  const shared = categories.filter((c) => c.shared);
  const root = Rng.fromSeed(seed);
  const total = SYNTH_SPLITS.reduce((n, split) => n + preset.images[split] + preset.videos[split], 0);
  let done = 0;
  const progress = () => options.onProgress?.(++done, total);

  const layout: SynthMeta['layout'] = { images: splitRecord(), videos: splitRecord() };
  const imageCounts = {} as Record<SynthSplit, SynthImageCounts>;
  const videoCounts = {} as Record<SynthSplit, SynthVideoCounts>;
  for (const split of SYNTH_SPLITS) {
    layout.images[split] = { annotations: `images/${split}.json`, root: `images/${split}` };
    layout.videos[split] = { annotations: `videos/${split}.json`, root: `videos/${split}` };
    imageCounts[split] = writeImageSplit(outDir, split, preset, seed, root, shared, progress);
    videoCounts[split] = writeVideoSplit(outDir, split, preset, seed, root, categories, progress);
  }

  const meta: SynthMeta = {
    generator: SYNTH_GENERATOR,
    formatVersion: SYNTH_FORMAT_VERSION,
    preset,
    seed,
    categories,
    sharedCategoryIds: shared.map((c) => c.id),
    novelCategoryIds: categories.filter((c) => !c.shared).map((c) => c.id),
    layout,
    counts: { images: imageCounts, videos: videoCounts },
  };
  writeFileAtomic(join(outDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

function splitRecord(): Record<SynthSplit, { annotations: string; root: string }> {
  return { train: { annotations: '', root: '' }, valid: { annotations: '', root: '' } };
}

function datasetInfo(preset: SynthPreset, seed: number, split: SynthSplit): Record<string, unknown> {
  return {
    description: `pointvis synthetic benchmark, preset ${preset.name}, ${split} split`,
    generator: SYNTH_GENERATOR,
    version: SYNTH_FORMAT_VERSION,
    preset: preset.name,
    seed,
    split,
  };
}

function categoryEntries(categories: readonly SynthCategory[]) {
  return categories.map((c) => ({ id: c.id, name: c.name, supercategory: c.shape }));
}

function writeImageSplit(
  outDir: string,
  split: SynthSplit,
  preset: SynthPreset,
  seed: number,
  root: Rng,
  shared: readonly SynthCategory[],
  progress: () => void,
): SynthImageCounts {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  for (let index = 0; index < preset.images[split]; index++) {
    const scene = renderImageScene(root.fork('image', split, index), preset, shared);
    const id = index + 1;
    const fileName = `${pad(id, 6)}.jpg`;
    const frame = scene.frames[0];
    writeFileAtomic(
      join(outDir, 'images', split, fileName),
      encodeRgbJpeg(frame.rgb, frame.height, frame.width, preset.jpegQuality),
    );
    images.push({ id, width: preset.width, height: preset.height, file_name: fileName });
    annotations.push(...imageAnnotations(scene, id, annotations.length + 1));
    progress();
  }
  const dataset: CocoDataset = {
    info: datasetInfo(preset, seed, split),
    images,
    annotations,
    categories: categoryEntries(shared),
  };
  saveCoco(join(outDir, 'images', `${split}.json`), dataset); // validates before writing
  return { images: images.length, annotations: annotations.length };
}

function writeVideoSplit(
  outDir: string,
  split: SynthSplit,
  preset: SynthPreset,
  seed: number,
  root: Rng,
  categories: readonly SynthCategory[],
  progress: () => void,
): SynthVideoCounts {
  const videos: YtvisVideo[] = [];
  const annotations: YtvisAnnotation[] = [];
  let frames = 0;
  for (let index = 0; index < preset.videos[split]; index++) {
    const scene = renderVideoScene(root.fork('video', split, index), preset, categories);
    const id = index + 1;
    const name = videoName(index);
    const fileNames = scene.frames.map((_, t) => `${name}/${pad(t, 5)}.jpg`);
    scene.frames.forEach((frame, t) => {
      const jpeg = encodeRgbJpeg(frame.rgb, frame.height, frame.width, preset.jpegQuality);
      writeFileAtomic(join(outDir, 'videos', split, fileNames[t]), jpeg);
    });
    frames += scene.frames.length;
    videos.push({
      id,
      width: preset.width,
      height: preset.height,
      length: scene.frames.length,
      file_names: fileNames,
    });
    annotations.push(...videoAnnotations(scene, id, annotations.length + 1));
    progress();
  }
  const dataset: YtvisDataset = {
    info: datasetInfo(preset, seed, split),
    videos,
    annotations,
    categories: categoryEntries(categories),
  };
  saveYtvis(join(outDir, 'videos', `${split}.json`), dataset); // validates before writing
  const masks = annotations.reduce((n, a) => n + (a.segmentations ?? []).filter((s) => s !== null).length, 0);
  return { videos: videos.length, frames, annotations: annotations.length, masks };
}

/**
 * The output directory must be new, empty, or an earlier synth output (whose images/, videos/
 * and meta.json are then replaced, so no stale frame survives a smaller preset).
 */
function prepareOutputDir(outDir: string): void {
  if (!existsSync(outDir) || readdirSync(outDir).length === 0) return;
  const metaPath = join(outDir, 'meta.json');
  let previous: unknown;
  try {
    previous = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch {
    previous = undefined;
  }
  const isSynth =
    typeof previous === 'object' &&
    previous !== null &&
    (previous as { generator?: unknown }).generator === SYNTH_GENERATOR;
  if (!isSynth) {
    throw new PointvisDataError(
      'output directory is not empty and holds no earlier synth output (meta.json)',
      {
        file: outDir,
      },
    );
  }
  for (const entry of ['images', 'videos', 'meta.json'])
    rmSync(join(outDir, entry), { recursive: true, force: true });
}
