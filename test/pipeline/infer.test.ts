/**
 * `infer` end to end with a stand-in image model built from the ground truth of the synthetic
 * tiny benchmark's valid split (categories renumbered 10·k + 3): window inference, tracking of
 * shuffled queries, top-k scoring, masks at the original resolution, results.json, AP from the
 * evaluator; sharded runs merge to the unsharded file byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateYtvis } from '../../pointvis/eval/index.js';
import type { YtvisResult } from '../../pointvis/formats/types.js';
import { loadYtvisResults } from '../../pointvis/formats/ytvis-results.js';
import {
  type InferRunResult,
  datasetInput,
  mergeInferenceShards,
  runInference,
  shardMetaFile,
} from '../../pointvis/infer/index.js';
import { decodeMask, decompressRle, toRle } from '../../pointvis/rle/index.js';
import { useEngine } from '../util/engine.js';
import {
  type StandInOptions,
  type SynthVideos,
  groundTruthModel,
  renumber,
  synthValidSplit,
  tinySettings,
} from './infer-fixtures.js';

let synth: SynthVideos;
const CLASSES = 8;

beforeAll(async () => {
  await useEngine();
  synth = synthValidSplit();
});
afterAll(() => rmSync(synth.dir, { recursive: true, force: true }));

async function infer(
  name: string,
  standIn: StandInOptions,
  extra: { size?: number; shard?: { index: number; count: number }; calls?: number[] } = {},
): Promise<InferRunResult & { outDir: string }> {
  const outDir = join(synth.dir, name);
  const input = datasetInput(synth.dataFile, synth.framesRoot);
  const run = await runInference({
    input,
    outDir,
    modelFor: groundTruthModel(synth.dataset, standIn, extra.calls),
    modelName: `stand-in stride ${standIn.stride}`,
    settings: tinySettings(CLASSES, extra.size),
    categories: input.categories!,
    shard: extra.shard,
  });
  return { ...run, outDir };
}

function evaluate(file: string) {
  return evaluateYtvis(synth.dataset, loadYtvisResults(file, synth.dataset));
}

describe('infer on the synthetic valid split with a ground-truth stand-in', () => {
  let unsharded: { outDir: string; file: string };

  it('stride-4 mask logits (as Mask2Former): results.json has a high AP', async () => {
    const calls: number[] = [];
    const run = await infer('stride4', { queries: 6, stride: 4, seed: 1 }, { calls });
    unsharded = { outDir: run.outDir, file: run.resultsFile };
    expect(run.resultsFile).toBe(join(run.outDir, 'results.json'));
    // Windows of 4 frames: each video of T frames is ⌈T/4⌉ calls, all of 4 but the last.
    const expected = synth.dataset.videos.flatMap((v) => {
      const t = v.file_names.length;
      return Array.from({ length: Math.ceil(t / 4) }, (_, w) => Math.min(4, t - 4 * w));
    });
    expect(calls).toEqual(expected);
    const results = loadYtvisResults(run.resultsFile, synth.dataset);
    expect(results).toHaveLength(10 * synth.dataset.videos.length);
    const ids = new Set(synth.dataset.categories.map((c) => c.id));
    for (const r of results) {
      expect(ids.has(r.category_id)).toBe(true);
      const video = synth.dataset.videos.find((v) => v.id === r.video_id)!;
      expect(r.segmentations).toHaveLength(video.length);
      for (const s of r.segmentations) expect(s!.size).toEqual([video.height, video.width]);
    }
    const summary = evaluate(run.resultsFile);
    console.log(
      `infer stand-in stride 4: AP ${summary.AP.toFixed(2)}, AP50 ${summary.AP50.toFixed(2)}, AP75 ${summary.AP75.toFixed(2)}`,
    );
    // Objects of 14–70 pixels lose much of their shape on a 16×16 grid (measured: AP 65.1,
    // AP50 93.0, AP75 71.1); broken tracking or category ids would give far less.
    expect(summary.AP).toBeGreaterThan(55);
    expect(summary.AP50).toBeGreaterThan(85);
  });

  it('full-resolution mask logits: every object comes back exactly, AP 100', async () => {
    const run = await infer('stride1', { queries: 6, stride: 1, seed: 2 });
    const results = loadYtvisResults(run.resultsFile, synth.dataset);
    // Each ground-truth track has a result of its category whose masks equal it frame by frame.
    for (const gt of synth.dataset.annotations) {
      const video = synth.dataset.videos.find((v) => v.id === gt.video_id)!;
      const gtMasks = gt.segmentations!.map((s) =>
        s ? decodeMask(toRle(s, video.height, video.width, { file: 'gt', field: 'seg' })) : null,
      );
      const same = (r: YtvisResult) =>
        r.video_id === gt.video_id &&
        r.category_id === gt.category_id &&
        r.segmentations.every((s, t) => {
          const mask = decodeMask(decompressRle(s!));
          const want = gtMasks[t];
          return want === null ? !mask.includes(1) : mask.every((v, i) => v === want[i]);
        });
      expect(results.some(same), `annotation ${gt.id}`).toBe(true);
    }
    const summary = evaluate(run.resultsFile);
    console.log(`infer stand-in stride 1: AP ${summary.AP.toFixed(2)}`);
    expect(summary.AP).toBe(100);
  });

  it('test size 80 (input padded to 96): masks still at the 64×64 frame size', async () => {
    const run = await infer('size80', { queries: 6, stride: 1, seed: 3 }, { size: 80 });
    const results = loadYtvisResults(run.resultsFile, synth.dataset);
    for (const r of results) for (const s of r.segmentations) expect(s!.size).toEqual([64, 64]);
    const summary = evaluate(run.resultsFile);
    console.log(`infer stand-in at test size 80: AP ${summary.AP.toFixed(2)}`);
    expect(summary.AP).toBeGreaterThan(80);
  });

  it('categories come from the dataset: a renumbered category scores, the generator id does not', () => {
    const results = loadYtvisResults(unsharded.file);
    expect(results.every((r) => r.category_id % 10 === 3)).toBe(true);
    expect(results.some((r) => r.category_id === renumber(1))).toBe(true);
  });

  it('three shards merge into the unsharded results.json, byte for byte', async () => {
    const outDir = mkdtempSync(join(synth.dir, 'shards-'));
    const videos: number[] = [];
    for (let index = 0; index < 3; index++) {
      const run = await inferInto(outDir, { queries: 6, stride: 4, seed: 1 }, { index, count: 3 });
      expect(run.resultsFile).toBe(join(outDir, `results.shard-${index}-of-3.json`));
      videos.push(run.videos);
    }
    expect(videos.reduce((a, b) => a + b, 0)).toBe(synth.dataset.videos.length);
    const merged = mergeInferenceShards(outDir);
    expect(merged).toMatchObject({ shards: 3, videos: synth.dataset.videos.length });
    expect(readFileSync(merged.resultsFile).equals(readFileSync(unsharded.file))).toBe(true);

    // A shard that is not finished (no meta file) stops the merge, naming it.
    unlinkSync(join(outDir, shardMetaFile({ index: 1, count: 3 })));
    expect(() => mergeInferenceShards(outDir)).toThrow(/shards 1\/3 of 3 are missing/);
  });
});

async function inferInto(outDir: string, standIn: StandInOptions, shard: { index: number; count: number }) {
  const input = datasetInput(synth.dataFile, synth.framesRoot);
  return runInference({
    input,
    outDir,
    modelFor: groundTruthModel(synth.dataset, standIn),
    modelName: `stand-in stride ${standIn.stride}`,
    settings: tinySettings(CLASSES),
    categories: input.categories!,
    shard,
  });
}
