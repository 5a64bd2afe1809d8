// `pointvis pseudo` and `pointvis proposals --merge` end to end in-process, the output read back by
// the training data layer, and the PNG strips of pseudo labels.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pseudoLabelSource } from '../../pointvis/data/index.js';
import { loadYtvis, saveYtvis } from '../../pointvis/formats/index.js';
import type { RgbFrame } from '../../pointvis/frames/index.js';
import { loadFrame } from '../../pointvis/frames/index.js';
import { annotatePoints, parsePointScheme } from '../../pointvis/points/index.js';
import { runProposals } from '../../pointvis/proposals/index.js';
import { IMAGENET_COLLATE } from '../../pointvis/data/index.js';
import { NEGATIVE, POSITIVE, objectColor, renderStrip } from '../../pointvis/viz/index.js';
import { register as registerProposals } from '../../runners/cli/commands/proposals.js';
import { register as registerPseudo } from '../../runners/cli/commands/pseudo.js';
import { useEngine } from '../util/engine.js';
import {
  type SynthVideos,
  gtMasks,
  removeTempDirs,
  standInModel,
  synthVideos,
  tempDir,
} from './proposals-fixtures.js';
import { writeGtProposals } from './pseudo-fixtures.js';
import { runCapturedCli } from '../util/cli.js';

let synth: SynthVideos;
let pointsFile: string;

beforeAll(async () => {
  await useEngine();
  synth = synthVideos(3, 44);
  const { dataset } = annotatePoints(synth.dataset, {
    scheme: parsePointScheme('P1N1'),
    positive: 'random',
    negative: 'inbox',
    frameRatio: 1,
    seed: 1,
    keepMasks: true,
  });
  pointsFile = join(tempDir(), 'points.json');
  saveYtvis(pointsFile, dataset);
});
afterEach(() => vi.restoreAllMocks());
afterAll(removeTempDirs);

async function cli(args: string[]): Promise<string> {
  return (await runCapturedCli([registerProposals, registerPseudo], args)).stdout;
}

describe('pointvis pseudo (CLI)', () => {
  it('writes pseudo labels the training data layer reads, a summary with the mIoU, and strips', async () => {
    const proposals = tempDir();
    writeGtProposals(loadYtvis(pointsFile), proposals, 3);
    const dir = tempDir();
    const out = join(dir, 'pseudo.json');
    const viz = join(dir, 'viz');
    const text = await cli([
      'pseudo',
      '--proposals',
      proposals,
      '--points',
      pointsFile,
      '--out',
      out,
      '--viz',
      viz,
      '--viz-videos',
      '2',
      '--frames',
      synth.framesRoot,
    ]);
    expect(text).toMatch(/mIoU vs ground truth: 100\.00 over \d+ object-frames/);
    const summary = JSON.parse(readFileSync(join(dir, 'pseudo.summary.json'), 'utf8'));
    expect(summary.miou).toBe(1);
    expect(summary.lambda).toEqual([5, 5, 2]);

    const source = pseudoLabelSource({
      annotations: out,
      frameRoot: synth.framesRoot,
      pointAnnotations: pointsFile,
    });
    expect(source.size).toBeGreaterThan(0);
    const sample = source.load(0);
    const video = synth.dataset.videos.find((v) => v.id === sample.source.id)!;
    for (const instance of sample.instances) {
      const gt = gtMasks(
        video,
        synth.dataset.annotations.find((a) => a.id === instance.objectId)!,
      );
      expect(instance.mask).toEqual(gt[sample.source.frame!]);
    }

    for (const id of synth.dataset.videos.slice(0, 2).map((v) => v.id)) {
      const strip = loadFrame(join(viz, `video-${id}.png`));
      const frames = synth.dataset.videos.find((v) => v.id === id)!.length;
      expect(strip.height).toBe(160);
      expect(strip.width).toBe(frames * 160 + (frames - 1) * 4);
    }
    expect(existsSync(join(viz, `video-${synth.dataset.videos[2]!.id}.png`))).toBe(false);
  });

  it('shards merge with --merge into the unsharded output', async () => {
    const proposals = tempDir();
    writeGtProposals(loadYtvis(pointsFile), proposals, 4);
    const dir = tempDir();
    const args = ['--proposals', proposals, '--points', pointsFile, '--variant', 'pf', '--lambda', '5,5,0'];
    await cli(['pseudo', ...args, '--out', join(dir, 'whole.json')]);
    await cli(['pseudo', ...args, '--out', join(dir, 'split.json'), '--shard', '0/2']);
    await cli(['pseudo', ...args, '--out', join(dir, 'split.json'), '--shard', '1/2']);
    expect(existsSync(join(dir, 'split.shard-1-of-2.json'))).toBe(true);
    const text = await cli(['pseudo', '--merge', '--out', join(dir, 'split.json')]);
    expect(text).toMatch(/pf, λ = 5,5,0/);
    expect(loadYtvis(join(dir, 'split.json')).annotations).toEqual(
      loadYtvis(join(dir, 'whole.json')).annotations,
    );
  });

  it('refuses a per-frame points file unless matching per frame', async () => {
    const perFrame = join(tempDir(), 'per-frame.json');
    const { dropTrackIds, savePointFrames } = await import('../../pointvis/formats/index.js');
    savePointFrames(perFrame, dropTrackIds(loadYtvis(pointsFile)));
    await expect(
      cli(['pseudo', '--proposals', tempDir(), '--points', perFrame, '--out', join(tempDir(), 'x.json')]),
    ).rejects.toThrow(/per-frame points .* --variant pf/);
  });
});

describe('pointvis proposals --merge (CLI)', () => {
  it('merges finished shards into index.json', async () => {
    const dir = tempDir();
    for (const index of [0, 1]) {
      await runProposals({
        dataset: synth.dataset,
        dataFile: synth.dataFile,
        framesRoot: synth.framesRoot,
        outDir: dir,
        modelFor: (video) =>
          standInModel(video, { masks: [video.file_names.map(() => null)], logits: [[1, 0]] }, video.id),
        modelName: 'stand-in',
        frameInput: { resize: null, collate: IMAGENET_COLLATE },
        proposal: { windowSize: 30 },
        shard: { index, count: 2 },
      });
    }
    const text = await cli(['proposals', '--merge', dir, '--data', synth.dataFile]);
    expect(text).toMatch(/merged 2 shards, 3 videos/);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.videos.map((v: { video_id: number }) => v.video_id)).toEqual(
      synth.dataset.videos.map((v) => v.id).sort((a, b) => a - b),
    );
  });
});

describe('viz: strips', () => {
  it('draws masks in the object colours and points green / red on top', () => {
    const frame: RgbFrame = { width: 10, height: 8, data: new Uint8Array(10 * 8 * 3).fill(100) };
    const mask = new Uint8Array(80);
    for (let y = 2; y < 7; y++) for (let x = 1; x < 6; x++) mask[y * 10 + x] = 1;
    const strip = renderStrip(
      [frame, frame],
      [
        {
          masks: [mask, null],
          points: [
            [
              [3.5, 4.5, 1],
              [8.5, 1.5, 0],
            ],
            null,
          ],
        },
      ],
      { height: 16, gap: 2 },
    );
    expect([strip.width, strip.height]).toEqual([2 * 20 + 2, 16]);
    const at = (x: number, y: number) =>
      Array.from(strip.data.subarray((y * strip.width + x) * 3, (y * strip.width + x) * 3 + 3));
    expect(at(7, 9)).toEqual([...POSITIVE]); // (3.5, 4.5) × 2
    expect(at(17, 3)).toEqual([...NEGATIVE]); // (8.5, 1.5) × 2
    const color = objectColor(0);
    expect(at(4, 5)).toEqual(color.map((c) => Math.round(0.5 * 100 + 0.5 * c))); // inside the mask
    expect(at(2, 4)).toEqual([...color]); // its boundary is solid
    expect(at(30, 9)).toEqual([100, 100, 100]); // second frame: no mask there
    expect(at(20, 0)).toEqual([255, 255, 255]); // the gap
  });
});
