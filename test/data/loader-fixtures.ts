// Shared by the loader tests: the synthetic tiny benchmark in a temp dir, hand-made datasets
// written as PNG frames, and small helpers. Every test file generates its own copy once.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PointvisDataError } from '../../pointvis/errors';
import { savePng } from '../../pointvis/frames';
import { generateSynth, SYNTH_PRESETS, type SynthMeta } from '../../pointvis/synth';
import type { ImageSample } from '../../pointvis/data';

export interface SynthFixture {
  dir: string;
  meta: SynthMeta;
  imagesJson: string;
  imagesRoot: string;
  videosJson: string;
  videosRoot: string;
}

/** The tiny preset generated into a fresh temp dir (removed by `removeTempDirs`). */
export function generateTinySynth(seed = 7): SynthFixture {
  const dir = tempDir('pointvis-loader-synth-');
  const meta = generateSynth({ outDir: dir, preset: SYNTH_PRESETS.tiny, seed });
  const { images, videos } = meta.layout;
  return {
    dir,
    meta,
    imagesJson: join(dir, images.train.annotations),
    imagesRoot: join(dir, images.train.root),
    videosJson: join(dir, videos.train.annotations),
    videosRoot: join(dir, videos.train.root),
  };
}

const tempDirs: string[] = [];

export function tempDir(prefix = 'pointvis-loader-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An RGB image whose every byte is distinct-ish and follows from (x, y, c, salt). */
export function patternImage(height: number, width: number, salt = 0): Uint8Array {
  const rgb = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++)
        rgb[(y * width + x) * 3 + c] = (x * 37 + y * 11 + c * 101 + salt * 13) & 255;
  return rgb;
}

/** Writes a PNG (lossless, so pixel values survive exactly) and returns its path. */
export function writePng(dir: string, name: string, height: number, width: number, salt = 0): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  savePng(path, { width, height, data: patternImage(height, width, salt) });
  return path;
}

/** A mask of the axis-aligned rectangle rows [y0, y1) × cols [x0, x1). */
export function rectMask(
  height: number,
  width: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): Uint8Array {
  const mask = new Uint8Array(height * width);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * width + x] = 1;
  return mask;
}

/** Runs fn and returns the PointvisDataError it throws (fails otherwise). */
export function dataError(fn: () => unknown): PointvisDataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PointvisDataError) return err;
    throw err;
  }
  throw new Error('expected a PointvisDataError, nothing was thrown');
}

/** A hand-made sample (no file behind it). */
export function handSample(
  height: number,
  width: number,
  salt = 0,
  instances: ImageSample['instances'] = [],
): ImageSample {
  return {
    image: patternImage(height, width, salt),
    height,
    width,
    instances,
    source: { file: `hand-${salt}.png`, id: salt, annotations: '(hand)' },
  };
}
