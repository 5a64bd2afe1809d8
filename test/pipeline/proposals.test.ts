import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { YtvisDataset, YtvisVideo } from '../../pointvis/formats/types.js';
import { savePng } from '../../pointvis/frames/index.js';
import { IMAGENET_COLLATE } from '../../pointvis/data/index.js';
import {
  ProposalStore,
  type ProposalRunOptions,
  decodeProposalFrame,
  mergeProposalShards,
  parseShard,
  proposalBits,
  readVideoProposals,
  runProposals,
  writeVideoProposals,
} from '../../pointvis/proposals/index.js';
import { decodeMask, decompressRle } from '../../pointvis/rle/index.js';
import { wordsPerRow } from '../../engine/index.js';
import { useEngine } from '../util/engine.js';
import {
  STAND_IN_LOGIT,
  type StandInQueries,
  type SynthVideos,
  confidenceOf,
  gtMasks,
  removeTempDirs,
  shiftMask,
  sigmoid,
  standInModel,
  synthVideos,
  tempDir,
  unionMask,
} from './proposals-fixtures.js';

let synth: SynthVideos;

beforeAll(async () => {
  await useEngine();
  synth = synthVideos(3, 21);
});
afterAll(removeTempDirs);

/** Ground truth of every object, then a shifted copy of object 0, objects 0 ∪ 1, and an empty query. */
function queriesOf(dataset: YtvisDataset, video: YtvisVideo): StandInQueries {
  const objects = dataset.annotations.filter((a) => a.video_id === video.id).map((a) => gtMasks(video, a));
  const size = video.height * video.width;
  const masks = [
    ...objects,
    objects[0]!.map((m) => (m ? shiftMask(m, video.height, video.width, 2, 3) : null)),
    objects[0]!.map((m, t) => unionMask(m, objects[1]?.[t] ?? null, size)),
    objects[0]!.map(() => null),
  ];
  const logits = masks.map((_, q) => [q * 0.7, 1.5 - q * 0.3, 0.2 * q, 0.5]);
  return { masks, logits };
}

function runOptions(
  s: SynthVideos,
  outDir: string,
  extra: Partial<ProposalRunOptions> = {},
): ProposalRunOptions {
  return {
    dataset: s.dataset,
    dataFile: s.dataFile,
    framesRoot: s.framesRoot,
    outDir,
    modelFor: (video) => standInModel(video, queriesOf(s.dataset, video), video.id),
    modelName: 'stand-in',
    frameInput: { resize: null, collate: IMAGENET_COLLATE },
    proposal: { windowSize: 3 },
    ...extra,
  };
}

function expectedMaskness(masks: readonly (Uint8Array | null)[], pixels: number): number {
  let sum = 0;
  for (const m of masks) {
    const on = m ? m.reduce((n, v) => n + v, 0) : 0;
    sum += on * sigmoid(STAND_IN_LOGIT) + (pixels - on) * sigmoid(-STAND_IN_LOGIT);
  }
  return sum / (masks.length * pixels);
}

describe('proposals: generation with a stand-in image model', () => {
  it('stores every tracked query: masks, maskness and confidence as derived by hand', async () => {
    const out = tempDir();
    const result = await runProposals(runOptions(synth, out));
    expect(result.videos).toEqual(synth.dataset.videos.map((v) => v.id));
    for (const video of synth.dataset.videos) {
      const file = readVideoProposals(join(out, `video-${video.id}.json`));
      const queries = queriesOf(synth.dataset, video);
      const pixels = video.height * video.width;
      expect(file.frames).toBe(video.length);
      expect(file.frame_size).toEqual([video.height, video.width]);
      expect(file.proposals.map((p) => p.query)).toEqual(queries.masks.map((_, q) => q));
      file.proposals.forEach((p, q) => {
        // Track q is query q although the stand-in shuffles the queries in every later frame.
        queries.masks[q]!.forEach((mask, t) => {
          const stored =
            p.masks[t] === null
              ? null
              : decodeMask(decompressRle({ size: file.mask_size, counts: p.masks[t]! }));
          const want = mask && mask.includes(1) ? mask : null;
          expect(stored, `video ${video.id} query ${q} frame ${t}`).toEqual(want);
        });
        expect(p.maskness).toBeCloseTo(expectedMaskness(queries.masks[q]!, pixels), 5);
        expect(p.confidence).toBeCloseTo(confidenceOf(queries.logits[q]!), 5);
        const on = queries.masks[q]!.some((m) => m?.includes(1));
        expect(p.inside).toBeCloseTo(on ? sigmoid(STAND_IN_LOGIT) : 0, 5);
      });
    }
  });

  it('keeps the R proposals of highest maskness when asked for fewer than the queries', async () => {
    const out = tempDir();
    await runProposals(runOptions(synth, out, { proposal: { windowSize: 4, proposalsPerVideo: 2 } }));
    const video = synth.dataset.videos[0]!;
    const queries = queriesOf(synth.dataset, video);
    const maskness = queries.masks.map((m) => expectedMaskness(m, video.height * video.width));
    const best = maskness
      .map((m, q) => [m, q] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 2)
      .map(([, q]) => q)
      .sort((a, b) => a - b);
    expect(readVideoProposals(join(out, `video-${video.id}.json`)).proposals.map((p) => p.query)).toEqual(
      best,
    );
  });

  it('round-trips a proposals file and packs its masks into the matcher layout', async () => {
    const out = tempDir();
    await runProposals(runOptions(synth, out, { shard: parseShard('0/3') }));
    const video = synth.dataset.videos[0]!;
    const path = join(out, `video-${video.id}.json`);
    const file = readVideoProposals(path);
    const again = tempDir();
    writeVideoProposals(again, file);
    expect(readFileSync(join(again, `video-${video.id}.json`), 'utf8')).toBe(readFileSync(path, 'utf8'));
    expect(new ProposalStore(out).read(video.id)).toEqual(file);

    const [H, W] = file.mask_size;
    const bits = proposalBits(file, [1, 0], [2]);
    const ww = wordsPerRow(W);
    [1, 0].forEach((r, i) => {
      const counts = file.proposals[r]!.masks[2];
      const mask =
        counts === null ? new Uint8Array(H * W) : decodeMask(decompressRle({ size: [H, W], counts }));
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const bit = (bits[(i * H + y) * ww + (x >> 5)]! >>> (x & 31)) & 1;
          expect(bit).toBe(mask[y * W + x]);
        }
    });
    expect(decodeProposalFrame(file, 0, 0)?.counts ?? null).toBe(file.proposals[0]!.masks[0]);
  });
});

describe('proposals: shards', () => {
  it('sharded runs merge to the same files and index as one run', async () => {
    const whole = tempDir();
    const split = tempDir();
    await runProposals(runOptions(synth, whole));
    await runProposals(runOptions(synth, split, { shard: parseShard('1/2') }));
    expect(() => mergeProposalShards(split)).toThrow(/shards 0\/2 have not finished/);
    await runProposals(runOptions(synth, split, { shard: parseShard('0/2') }));
    const a = mergeProposalShards(whole, { dataset: synth.dataset });
    const b = mergeProposalShards(split, { dataset: synth.dataset });
    expect(b.videos).toEqual(a.videos);
    expect(b.shards).toBe(2);
    for (const { file } of a.videos) {
      expect(readFileSync(join(split, file), 'utf8')).toBe(readFileSync(join(whole, file), 'utf8'));
    }
    const names = (dir: string) =>
      readdirSync(dir)
        .filter((n) => n.startsWith('video-'))
        .sort();
    expect(names(split)).toEqual(names(whole));
  });

  it('a merge names the videos that have no proposals', async () => {
    const dir = tempDir();
    await runProposals(runOptions(synth, dir));
    rmSync(join(dir, `video-${synth.dataset.videos[1]!.id}.json`));
    expect(() => mergeProposalShards(dir)).toThrow(
      new RegExp(`video ${synth.dataset.videos[1]!.id} of shard 0/1 has no proposals file`),
    );
    const store = new ProposalStore(dir);
    expect(() => store.read(synth.dataset.videos[1]!.id)).toThrow(
      new RegExp(`no proposals for video ${synth.dataset.videos[1]!.id}`),
    );
  });
});

describe('proposals: bad frames', () => {
  function copyVideoFrames(s: SynthVideos, root: string): void {
    for (const video of s.dataset.videos)
      for (const name of video.file_names) {
        mkdirSync(join(root, name, '..'), { recursive: true });
        copyFileSync(join(s.framesRoot, name), join(root, name));
      }
  }

  it('a missing frame is an error naming the video and the frame', async () => {
    const root = tempDir();
    copyVideoFrames(synth, root);
    const video = synth.dataset.videos[1]!;
    rmSync(join(root, video.file_names[2]!));
    const run = runProposals({ ...runOptions(synth, tempDir()), framesRoot: root });
    await expect(run).rejects.toThrow(new RegExp(`video ${video.id} frame 2: frame file .* is missing`));
  });

  it('a frame of another size is an error naming the video and the frame', async () => {
    const root = tempDir();
    copyVideoFrames(synth, root);
    const video = synth.dataset.videos[0]!;
    savePng(join(root, video.file_names[3]!), { width: 32, height: 64, data: new Uint8Array(32 * 64 * 3) });
    const run = runProposals({ ...runOptions(synth, tempDir()), framesRoot: root });
    await expect(run).rejects.toThrow(new RegExp(`video ${video.id} frame 3: .*32×64`));
  });

  it('a video of one frame works', async () => {
    const video = {
      ...synth.dataset.videos[0]!,
      length: 1,
      file_names: synth.dataset.videos[0]!.file_names.slice(0, 1),
    };
    const dataset: YtvisDataset = {
      ...synth.dataset,
      videos: [video],
      annotations: synth.dataset.annotations
        .filter((a) => a.video_id === video.id)
        .map((a) => ({ ...a, segmentations: a.segmentations!.slice(0, 1) })),
    };
    const out = tempDir();
    await runProposals(runOptions({ ...synth, dataset }, out));
    const file = readVideoProposals(join(out, `video-${video.id}.json`));
    expect(file.frames).toBe(1);
    expect(file.proposals).toHaveLength(queriesOf(dataset, video).masks.length);
  });
});
