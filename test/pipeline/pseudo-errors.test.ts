// Bad input to the pseudo-label stage: each error names the video, object and frame it is about;
// gaps that are not errors (no points, no proposals) are counted instead.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTrackIds } from '../../pointvis/formats/index.js';
import type { LabeledPoint, YtvisDataset } from '../../pointvis/formats/types.js';
import { ProposalStore, writeVideoProposals } from '../../pointvis/proposals/index.js';
import { type PseudoRunOptions, loadPointAnnotations, runPseudoLabels } from '../../pointvis/pseudo/index.js';
import { useEngine } from '../util/engine.js';
import { removeTempDirs, tempDir } from './proposals-fixtures.js';
import { handVideo, proposalFileOf, rectMask } from './pseudo-fixtures.js';

beforeAll(async () => {
  await useEngine();
});
afterAll(removeTempDirs);

const H = 10;
const W = 12;
const A = rectMask(H, W, 1, 1, 6, 5);
const B = rectMask(H, W, 4, 6, 9, 11);
const pos = (x: number, y: number): LabeledPoint => [x, y, 1];

/** Video 7: three frames, objects 100 (A) and 101 (B), proposals A and B. */
function setup(): { dataset: YtvisDataset; dir: string } {
  const { dataset, video } = handVideo(H, W, 3, [
    [[pos(2.5, 2.5)], [pos(3.5, 3.5)], []],
    [[pos(8.5, 6.5)], null, [pos(7.5, 5.5)]],
  ]);
  const dir = tempDir();
  writeVideoProposals(dir, proposalFileOf(video, [{ masks: [A, A, A] }, { masks: [B, B, B] }]));
  return { dataset, dir };
}

function run(dataset: YtvisDataset, dir: string, extra: Partial<PseudoRunOptions> = {}) {
  return runPseudoLabels({
    points: dataset,
    pointsFile: 'points.json',
    proposals: new ProposalStore(dir),
    proposalsSource: dir,
    ...extra,
  });
}

function writeJson(value: unknown): string {
  const path = join(tempDir(), 'points.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

describe('pseudo: bad points files', () => {
  it('a point outside the frame names the video, the object and the frame', () => {
    const { dataset } = setup();
    dataset.annotations[1]!.points![2] = [[W + 0.5, 3, 1]];
    expect(() => loadPointAnnotations(writeJson(dataset))).toThrow(
      /video 7, object 101, frame 2: x = 12.5 is outside the frame \[0, 12\)/,
    );
  });

  it('an unknown category id names the video and the object', () => {
    const { dataset } = setup();
    dataset.annotations[0]!.category_id = 99;
    expect(() => loadPointAnnotations(writeJson(dataset))).toThrow(
      /video 7, object 100: no category has id 99/,
    );
  });

  it('a per-frame point file (no track ids) reads as one-frame tracks, matched per frame', async () => {
    const { dataset, dir } = setup();
    const perFrame = loadPointAnnotations(writeJson(dropTrackIds(dataset)));
    expect(perFrame.tracked).toBe(false);
    expect(perFrame.dataset.annotations).toHaveLength(4); // (100, 0), (101, 0), (100, 1), (101, 2)
    const { dataset: out, summary } = await run(perFrame.dataset, dir, { variant: 'pf' });
    expect(summary.objects_labelled).toBe(4);
    expect(out.annotations.map((a) => a.segmentations!.filter((s) => s !== null).length)).toEqual([
      1, 1, 1, 1,
    ]);
  });
});

describe('pseudo: missing or empty proposals', () => {
  it('a video without a proposals file is an error naming the video', async () => {
    const { dataset, dir } = setup();
    rmSync(join(dir, 'video-7.json'));
    await expect(run(dataset, dir)).rejects.toThrow(/no proposals for video 7/);
  });

  it('proposals of another length are an error naming the video', async () => {
    const { dataset, dir } = setup();
    const { video } = handVideo(H, W, 2, []);
    writeVideoProposals(dir, proposalFileOf(video, [{ masks: [A, A] }]));
    await expect(run(dataset, dir)).rejects.toThrow(/video 7: the proposals have 2 frames, the video 3/);
  });

  it('an empty proposal set leaves the objects unmatched, counted', async () => {
    const { dataset, dir } = setup();
    writeVideoProposals(dir, proposalFileOf(dataset.videos[0]!, []));
    const { dataset: out, summary } = await run(dataset, dir);
    expect(summary.videos_without_proposals).toBe(1);
    expect(summary.objects_unmatched).toBe(2);
    expect(summary.labelled_frames).toBe(0);
    expect(out.annotations.every((a) => a.segmentations!.every((s) => s === null))).toBe(true);
  });

  it('more objects than proposals: the extra object is unmatched', async () => {
    const { dataset, dir } = setup();
    writeVideoProposals(dir, proposalFileOf(dataset.videos[0]!, [{ masks: [A, A, A] }]));
    const { dataset: out, summary } = await run(dataset, dir);
    expect(summary.objects_unmatched).toBe(1);
    expect(out.annotations[0]!.segmentations![0]).not.toBeNull(); // object 100 keeps A
  });

  it('objects with points in no frame are skipped and counted', async () => {
    const { dataset, dir } = setup();
    dataset.annotations[1]!.points = [null, [], null];
    const { dataset: out, summary } = await run(dataset, dir);
    expect(summary.objects_without_points).toBe(1);
    expect(summary.objects_unmatched).toBe(0);
    expect(out.annotations[1]!.segmentations).toEqual([null, null, null]);
    expect(out.annotations[0]!.segmentations!.map((s) => s !== null)).toEqual([true, true, false]);
  });
});
