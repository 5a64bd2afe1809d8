/**
 * Test inputs for `infer`: the synthetic tiny benchmark with its category ids renumbered (so
 * nothing may assume the generator's ids 1..8), and a stand-in image model that "sees" the
 * ground truth: each frame's queries hold the objects in a shuffled order (tracking has to undo
 * it), with mask logits from the ground-truth masks (±10, graded by coverage along boundaries), class logits favouring the object's
 * category and an embedding that identifies the object.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, tensor } from '../../engine/index.js';
import type { FrameOutputs, ImageModelFn, VideoGeometry } from '../../model/minvis/index.js';
import { CategoryMap } from '../../pointvis/data/category-map.js';
import type { YtvisDataset, YtvisVideo } from '../../pointvis/formats/types.js';
import { loadYtvis, saveYtvis } from '../../pointvis/formats/ytvis.js';
import { decodeMask, toRle } from '../../pointvis/rle/index.js';
import { SYNTH_PRESETS, generateSynth } from '../../pointvis/synth/index.js';
import type { InferenceSettings } from '../../pointvis/infer/index.js';
import { randomPermutation } from '../model/minvis-fixtures.js';
import { rng } from '../util/engine.js';

/** Category id k of the generator becomes 10·k + 3. */
export const renumber = (id: number) => 10 * id + 3;

export interface SynthVideos {
  dir: string;
  /** The valid split with renumbered categories, and the folder its file names are relative to. */
  dataFile: string;
  framesRoot: string;
  dataset: YtvisDataset;
}

/** Generates the tiny preset (seed 0) and writes valid.json with renumbered categories. */
export function synthValidSplit(): SynthVideos {
  const dir = mkdtempSync(join(tmpdir(), 'pointvis-infer-'));
  generateSynth({ outDir: join(dir, 'synth'), preset: SYNTH_PRESETS.tiny, seed: 0 });
  const original = loadYtvis(join(dir, 'synth', 'videos', 'valid.json'));
  const dataset: YtvisDataset = {
    ...original,
    categories: original.categories.map((c) => ({ ...c, id: renumber(c.id), name: `cat-${renumber(c.id)}` })),
    annotations: original.annotations.map((a) => ({ ...a, category_id: renumber(a.category_id) })),
  };
  const dataFile = join(dir, 'valid-renumbered.json');
  saveYtvis(dataFile, dataset);
  return { dir, dataFile, framesRoot: join(dir, 'synth', 'videos', 'valid'), dataset };
}

/** A subset of the dataset's videos (and their annotations) written next to it. */
export function subsetFile(src: SynthVideos, name: string, videoIds: readonly number[]): string {
  const keep = new Set(videoIds);
  const file = join(src.dir, name);
  saveYtvis(file, {
    ...src.dataset,
    videos: src.dataset.videos.filter((v) => keep.has(v.id)),
    annotations: src.dataset.annotations.filter((a) => keep.has(a.video_id)),
  });
  return file;
}

export interface StandInOptions {
  /** Queries per frame (≥ objects per video). */
  queries: number;
  /** Mask logits every `stride` pixels of the padded input (Mask2Former: 4). */
  stride: number;
  seed: number;
}

/** The settings of the tiny MinVIS config, at test size `size` (short side) or 64. */
export function tinySettings(classes: number, size = 64, windowSize = 4): InferenceSettings {
  return {
    resize: { shortEdge: size, maxSize: 4 * size },
    collate: {
      pixelMean: [123.675, 116.28, 103.53],
      pixelStd: [58.395, 57.12, 57.375],
      sizeDivisibility: 32,
    },
    windowSize,
    topk: 10,
    maskThreshold: 0,
    numClasses: classes,
  };
}

const LOGIT = 10;
const CLASS_LOGIT = 8;

/**
 * The stand-in: `modelFor(video, geometry)` gives the image model of one video. It keeps a cursor
 * (windows come in order), checks each window's input shape, and builds the outputs on the CPU.
 * `calls` records every window's frame count.
 */
export function groundTruthModel(
  dataset: YtvisDataset,
  options: StandInOptions,
  calls: number[] = [],
): (video: YtvisVideo, geometry: VideoGeometry) => ImageModelFn {
  const categories = new CategoryMap(dataset.categories);
  const classes = categories.size;
  const { queries, stride } = options;
  return (video, geometry) => {
    const objects = dataset.annotations.filter((a) => a.video_id === video.id);
    if (objects.length > queries)
      throw new Error(`video ${video.id} has ${objects.length} objects > ${queries}`);
    const masks = objects.map((a) =>
      (a.segmentations ?? []).map((seg) =>
        seg === null || seg === undefined
          ? null
          : decodeMask(toRle(seg, video.height, video.width, { file: 'gt', field: 'seg' })),
      ),
    );
    const labels = objects.map((a) => categories.classIndex(a.category_id, { file: 'gt' }));
    const random = rng(options.seed * 1000 + video.id);
    const [ph, pw] = geometry.inputSize;
    const [ih, iw] = geometry.imageSize;
    const [gh, gw] = [ph / stride, pw / stride];
    let cursor = 0;
    return (frames: Tensor): FrameOutputs => {
      const n = frames.shape[0]!;
      if (frames.ndim !== 4 || frames.shape[1] !== 3 || frames.shape[2] !== ph || frames.shape[3] !== pw) {
        throw new Error(`stand-in: frames ${frames.describe()} are not [n, 3, ${ph}, ${pw}]`);
      }
      const logits = new Float32Array(n * queries * (classes + 1));
      const maskLogits = new Float32Array(n * queries * gh * gw).fill(-LOGIT);
      const embeddings = new Float32Array(n * queries * queries);
      for (let f = 0; f < n; f++) {
        const t = cursor + f;
        // Slot k (object k, or a background query for k ≥ objects) sits in row order[k].
        const order = randomPermutation(queries, random);
        for (let k = 0; k < queries; k++) {
          const row = f * queries + order[k]!;
          const klass = k < objects.length ? labels[k]! : classes;
          logits[row * (classes + 1) + klass] = CLASS_LOGIT;
          embeddings[row * queries + k] = 1;
          const mask = k < objects.length ? masks[k]![t] : null;
          if (!mask) continue;
          // Cell (i, j) covers stride × stride input pixels; its logit is 20·(covered fraction) − 10,
          // so ±10 inside and outside and graded along the boundary. An input pixel of the
          // resized image maps back to the frame by nearest neighbour; padding is outside.
          for (let i = 0; i < gh; i++) {
            for (let j = 0; j < gw; j++) {
              let covered = 0;
              for (let y = i * stride; y < (i + 1) * stride && y < ih; y++) {
                const oy = Math.floor(((y + 0.5) * video.height) / ih);
                for (let x = j * stride; x < (j + 1) * stride && x < iw; x++) {
                  covered += mask[oy * video.width + Math.floor(((x + 0.5) * video.width) / iw)]!;
                }
              }
              maskLogits[(row * gh + i) * gw + j] = LOGIT * ((2 * covered) / (stride * stride) - 1);
            }
          }
        }
      }
      cursor += n;
      calls.push(n);
      return {
        predLogits: tensor(logits, [n, queries, classes + 1]),
        predMasks: tensor(maskLogits, [n, queries, gh, gw]),
        queryEmbeddings: tensor(embeddings, [n, queries, queries]),
      };
    };
  };
}
