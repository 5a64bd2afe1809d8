/**
 * End to end on ground-truth-derived outputs: per-frame "model outputs" built from known masks
 * (shuffled per frame), window inference + scoring + results must give a perfect video AP, and
 * the results JSON must pass the results parser unchanged.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, tidyAsync } from '../../engine/index.js';
import {
  type FrameOutputs,
  type VideoInstances,
  paddedGeometry,
  runWindowInference,
  scoreVideo,
  videoResults,
} from '../../model/minvis/index.js';
import { evaluateYtvis } from '../../pointvis/eval/index.js';
import type { YtvisAnnotation, YtvisDataset, YtvisResult } from '../../pointvis/formats/types.js';
import { parseYtvisResults } from '../../pointvis/formats/ytvis-results.js';
import { compressRle, decodeMask, decompressRle, encodeMask } from '../../pointvis/rle/index.js';
import { rng, useEngine } from '../util/engine.js';
import { fakeModel, indexFrames, randomPermutation, toOutputs } from './minvis-fixtures.js';

beforeAll(async () => {
  await useEngine();
});

const CATEGORY_IDS = [3, 7, 9];
const HEIGHT = 24;
const WIDTH = 20;
const STRIDE = 4;
const QUERIES = 5;
const DIM = 8;

/** An object: its class index and per frame a block rectangle [y0, x0, y1, x1) in 4-px blocks (null: absent). */
interface ObjectSpec {
  label: number;
  boxes: ([number, number, number, number] | null)[];
}

interface VideoSpec {
  id: number;
  objects: ObjectSpec[];
}

const VIDEOS: VideoSpec[] = [
  {
    id: 11,
    objects: [
      {
        label: 1,
        boxes: [
          [0, 0, 2, 2],
          [1, 0, 3, 2],
          [2, 1, 4, 3],
          [3, 1, 5, 3],
        ],
      },
      {
        label: 0,
        boxes: [
          [3, 3, 6, 5],
          [3, 2, 6, 4],
          [2, 2, 5, 4],
          [2, 3, 5, 5],
        ],
      },
    ],
  },
  {
    id: 12,
    objects: [
      {
        label: 2,
        boxes: [
          [0, 1, 3, 4],
          [0, 2, 3, 5],
          [1, 2, 4, 5],
        ],
      },
      { label: 1, boxes: [[4, 0, 6, 2], null, [4, 1, 6, 3]] },
    ],
  },
];

/** Full-resolution mask of a block rectangle (row-major HEIGHT × WIDTH). */
function boxMask(box: [number, number, number, number] | null): Uint8Array {
  const m = new Uint8Array(HEIGHT * WIDTH);
  if (box === null) return m;
  const [y0, x0, y1, x1] = box;
  for (let y = y0 * STRIDE; y < y1 * STRIDE; y++)
    for (let x = x0 * STRIDE; x < x1 * STRIDE; x++) m[y * WIDTH + x] = 1;
  return m;
}

function groundTruth(): YtvisDataset {
  const annotations: YtvisAnnotation[] = [];
  for (const v of VIDEOS) {
    for (const o of v.objects) {
      const masks = o.boxes.map(boxMask);
      annotations.push({
        id: annotations.length + 1,
        video_id: v.id,
        category_id: CATEGORY_IDS[o.label]!,
        segmentations: o.boxes.map((b, t) =>
          b === null ? null : compressRle(encodeMask(masks[t]!, HEIGHT, WIDTH)),
        ),
        areas: o.boxes.map((b, t) => (b === null ? null : masks[t]!.reduce((s, x) => s + x, 0))),
        iscrowd: 0,
      });
    }
  }
  return {
    videos: VIDEOS.map((v) => ({
      id: v.id,
      width: WIDTH,
      height: HEIGHT,
      length: v.objects[0]!.boxes.length,
      file_names: v.objects[0]!.boxes.map((_, t) => `${v.id}/${t}.jpg`),
    })),
    annotations,
    categories: CATEGORY_IDS.map((id) => ({ id, name: `c${id}` })),
  };
}

/**
 * Per-frame outputs a perfect image model would give: object queries with a confident class and
 * ±10 mask logits already upsampled to the padded 32 × 32 input (at stride 4 bilinear upsampling
 * would round the objects' corners off), the rest no-object; rows shuffled per frame, embeddings
 * a fixed vector per query plus noise.
 */
function perfectOutputs(v: VideoSpec, seed: number) {
  const random = rng(seed);
  const frames = v.objects[0]!.boxes.length;
  const classes = CATEGORY_IDS.length;
  const [gh, gw] = [32, 32];
  const base = Array.from({ length: QUERIES * DIM }, () => random() * 2 - 1);
  const logits = new Float32Array(frames * QUERIES * (classes + 1));
  const masks = new Float32Array(frames * QUERIES * gh * gw).fill(-10);
  const embeddings = new Float32Array(frames * QUERIES * DIM);
  for (let t = 0; t < frames; t++) {
    randomPermutation(QUERIES, random).forEach((query, row) => {
      const r = t * QUERIES + row;
      const object = v.objects[query];
      logits[r * (classes + 1) + (object ? object.label : classes)] = 6;
      const box = object?.boxes[t];
      if (box) {
        for (let y = box[0] * STRIDE; y < box[2] * STRIDE; y++) {
          for (let x = box[1] * STRIDE; x < box[3] * STRIDE; x++) masks[(r * gh + y) * gw + x] = 10;
        }
      }
      for (let k = 0; k < DIM; k++)
        embeddings[r * DIM + k] = base[query * DIM + k]! + 0.05 * (random() * 2 - 1);
    });
  }
  return {
    frames,
    queries: QUERIES,
    classes,
    dim: DIM,
    maskSize: [gh, gw] as const,
    logits,
    masks,
    embeddings,
  };
}

const geometry = paddedGeometry([HEIGHT, WIDTH], [HEIGHT, WIDTH], 32);

async function resultsFor(track: boolean): Promise<YtvisResult[]> {
  const all: YtvisResult[] = [];
  for (const [i, v] of VIDEOS.entries()) {
    const instances: VideoInstances = await tidyAsync(async () => {
      const outputs: FrameOutputs = toOutputs(perfectOutputs(v, 100 + i));
      if (!track) return scoreVideo(outputs, geometry);
      const tracked = await runWindowInference(
        fakeModel(outputs, []),
        indexFrames(outputs.predLogits.shape[0]!),
        {
          windowSize: 2,
        },
      );
      const scored = await scoreVideo(tracked, geometry);
      for (const x of Object.values(tracked)) (x as Tensor).dispose();
      return scored;
    });
    expect(instances.scores.length).toBe(10);
    all.push(...videoResults(instances, v.id, CATEGORY_IDS));
  }
  return all;
}

describe('MinVIS results', () => {
  it('scores a perfect AP on outputs derived from the ground truth, and the JSON parses back unchanged', async () => {
    const gt = groundTruth();
    const results = await resultsFor(true);
    const json: unknown = JSON.parse(JSON.stringify(results));
    const parsed = parseYtvisResults(json, 'results.json', gt);
    expect(parsed).toEqual(results);

    // The top detection of each object is its exact mask sequence (empty where it is absent).
    for (const ann of gt.annotations) {
      const best = parsed
        .filter((r) => r.video_id === ann.video_id && r.category_id === ann.category_id)
        .sort((a, b) => b.score - a.score)[0]!;
      ann.segmentations!.forEach((seg, t) => {
        const got = decodeMask(decompressRle(best.segmentations[t]!));
        const want = seg === null ? new Uint8Array(HEIGHT * WIDTH) : decodeMask(decompressRle(seg as never));
        const diff = Array.from(got).flatMap((g, p) =>
          g === want[p] ? [] : [[Math.floor(p / WIDTH), p % WIDTH, g]],
        );
        expect(diff, `annotation ${ann.id} frame ${t}`).toEqual([]);
      });
    }

    const summary = evaluateYtvis(gt, parsed);
    expect(summary.AP).toBeCloseTo(100, 6);
    expect(summary.AP75).toBeCloseTo(100, 6);
    expect(summary.AR10).toBeCloseTo(100, 6);
  });

  it('without tracking the same outputs do not reach it (the test can fail)', async () => {
    const summary = evaluateYtvis(groundTruth(), await resultsFor(false));
    expect(summary.AP).toBeLessThan(90);
  });
});
