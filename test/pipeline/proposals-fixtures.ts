/**
 * Shared pieces of the proposals and pseudo-label tests: a small synthetic benchmark on disk,
 * its ground-truth masks, and a stand-in image model whose queries are given masks (ground
 * truth and distractors), shuffled per frame so the MinVIS tracker has to undo the order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, tensor } from '../../engine/index.js';
import type { FrameOutputs, ImageModelFn } from '../../model/minvis/index.js';
import { loadYtvis } from '../../pointvis/formats/index.js';
import type { YtvisAnnotation, YtvisDataset, YtvisVideo } from '../../pointvis/formats/types.js';
import { decodeMask, toRle } from '../../pointvis/rle/index.js';
import { SYNTH_PRESETS, type SynthPreset, generateSynth } from '../../pointvis/synth/index.js';
import { rng } from '../util/engine.js';

const made: string[] = [];

export function tempDir(prefix = 'pointvis-pipeline-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The tiny preset shrunk to a few videos (and the fewest images the generator allows). */
export function smallTinyPreset(videos: number): SynthPreset {
  return {
    ...SYNTH_PRESETS.tiny,
    images: { ...SYNTH_PRESETS.tiny.images, train: 1, valid: 1 },
    videos: { ...SYNTH_PRESETS.tiny.videos, train: videos, valid: 1 },
  };
}

export interface SynthVideos {
  dataset: YtvisDataset;
  dataFile: string;
  framesRoot: string;
}

export function synthVideos(videos: number, seed: number): SynthVideos {
  const dir = tempDir('pointvis-synth-');
  generateSynth({ outDir: dir, preset: smallTinyPreset(videos), seed });
  const dataFile = join(dir, 'videos', 'train.json');
  return { dataset: loadYtvis(dataFile), dataFile, framesRoot: join(dir, 'videos', 'train') };
}

/** An annotation's ground-truth masks per frame, row-major 0/1 (null where absent). */
export function gtMasks(video: YtvisVideo, annotation: YtvisAnnotation): (Uint8Array | null)[] {
  return video.file_names.map((_, t) => {
    const seg = annotation.segmentations?.[t] ?? null;
    if (seg === null) return null;
    const where = { file: 'gt', field: `annotation ${annotation.id} frame ${t}` };
    return decodeMask(toRle(seg, video.height, video.width, where), where);
  });
}

export function shiftMask(mask: Uint8Array, h: number, w: number, dy: number, dx: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sy = y - dy;
      const sx = x - dx;
      if (sy >= 0 && sx >= 0 && sy < h && sx < w) out[y * w + x] = mask[sy * w + sx]!;
    }
  return out;
}

export function unionMask(a: Uint8Array | null, b: Uint8Array | null, size: number): Uint8Array | null {
  if (a === null && b === null) return null;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (a?.[i] ?? 0) | (b?.[i] ?? 0);
  return out;
}

/** What the stand-in model shows: per query its masks over the video, and its class logits. */
export interface StandInQueries {
  /** [q][t]: row-major 0/1 at the video's size, or null (empty). */
  masks: (Uint8Array | null)[][];
  /** [q]: class logits (C+1, no-object last), the same in every frame. */
  logits: number[][];
}

export const STAND_IN_LOGIT = 6;

/**
 * A per-frame image model that outputs the given queries: mask logits ±6 at the padded input
 * size (so resizing is exact), and in frame t > 0 the queries in a random order with noisy
 * embeddings. Frame 0 keeps the order, so after tracking track q is query q. Stateful: it
 * counts the frames it has seen, so make one per video.
 */
export function standInModel(video: YtvisVideo, queries: StandInQueries, seed: number): ImageModelFn {
  const random = rng(seed);
  const Q = queries.masks.length;
  const D = 8;
  const base = Array.from({ length: Q * D }, () => random() * 2 - 1);
  const perms = video.file_names.map((_, t) => {
    const p = Array.from({ length: Q }, (_, i) => i);
    if (t === 0) return p;
    for (let i = Q - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  });
  let next = 0;
  return (frames: Tensor): FrameOutputs => {
    const [n, , hp, wp] = frames.shape as [number, number, number, number];
    const C1 = queries.logits[0]!.length;
    const masks = new Float32Array(n * Q * hp * wp).fill(-STAND_IN_LOGIT);
    const logits = new Float32Array(n * Q * C1);
    const embeddings = new Float32Array(n * Q * D);
    for (let i = 0; i < n; i++) {
      const t = next + i;
      perms[t]!.forEach((q, row) => {
        const mask = queries.masks[q]![t];
        const at = (i * Q + row) * hp * wp;
        if (mask)
          for (let y = 0; y < video.height; y++)
            for (let x = 0; x < video.width; x++)
              if (mask[y * video.width + x]) masks[at + y * wp + x] = STAND_IN_LOGIT;
        logits.set(queries.logits[q]!, (i * Q + row) * C1);
        for (let k = 0; k < D; k++)
          embeddings[(i * Q + row) * D + k] = base[q * D + k]! + 0.01 * (random() - 0.5);
      });
    }
    next += n;
    return {
      predLogits: tensor(logits, [n, Q, C1]),
      predMasks: tensor(masks, [n, Q, hp, wp]),
      queryEmbeddings: tensor(embeddings, [n, Q, D]),
    };
  };
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** max over classes (no-object excluded) of softmax(logits): the proposal confidence, by hand. */
export function confidenceOf(logits: readonly number[]): number {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Math.max(...e.slice(0, -1)) / s;
}
