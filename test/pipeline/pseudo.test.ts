import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabeledPoint, YtvisDataset } from '../../pointvis/formats/types.js';
import { annotatePoints, parsePointScheme } from '../../pointvis/points/index.js';
import { ProposalStore, parseShard, writeVideoProposals } from '../../pointvis/proposals/index.js';
import {
  type PseudoRunOptions,
  groundTruthFrom,
  mergePseudoShards,
  parseLambda,
  runPseudoLabels,
  shardOutputPath,
  writePseudoLabels,
} from '../../pointvis/pseudo/index.js';
import { decodeMask, toRle } from '../../pointvis/rle/index.js';
import { useEngine } from '../util/engine.js';
import { bruteForceSolver } from '../data/matcher-fixtures.js';
import { type SynthVideos, gtMasks, removeTempDirs, synthVideos, tempDir } from './proposals-fixtures.js';
import { handVideo, proposalFileOf, rectMask, writeGtProposals } from './pseudo-fixtures.js';

let synth: SynthVideos;

beforeAll(async () => {
  await useEngine();
  synth = synthVideos(4, 33);
});
afterAll(removeTempDirs);

function withPoints(scheme: string, frameRatio: number, seed: number): YtvisDataset {
  return annotatePoints(synth.dataset, {
    scheme: parsePointScheme(scheme),
    positive: 'random',
    negative: 'inbox',
    frameRatio,
    seed,
    keepMasks: true,
  }).dataset;
}

function options(points: YtvisDataset, dir: string, extra: Partial<PseudoRunOptions> = {}): PseudoRunOptions {
  return {
    points,
    pointsFile: 'points.json',
    proposals: new ProposalStore(dir),
    proposalsSource: dir,
    groundTruth: groundTruthFrom(points, 'points.json'),
    ...extra,
  };
}

function maskOf(seg: unknown, H: number, W: number): Uint8Array | null {
  if (seg === null || seg === undefined) return null;
  const where = { file: 'test', field: 'seg' };
  return decodeMask(toRle(seg, H, W, where), where);
}

describe('pseudo: the point-based matcher on the synthetic benchmark', () => {
  it('picks the ground-truth proposal of every object under P1N1 (GPU and brute-force solvers agree)', async () => {
    const points = withPoints('P1N1', 1, 4);
    const dir = tempDir();
    writeGtProposals(points, dir, 9);
    const gpu = await runPseudoLabels(options(points, dir));
    const cpu = await runPseudoLabels(options(points, dir, { solver: bruteForceSolver }));
    expect(cpu.dataset.annotations).toEqual(gpu.dataset.annotations);
    let pairs = 0;
    for (const label of gpu.dataset.annotations) {
      const video = synth.dataset.videos.find((v) => v.id === label.video_id)!;
      const source = points.annotations.find((a) => a.id === label.id)!;
      expect(label.category_id).toBe(source.category_id);
      expect(label.points).toEqual(source.points);
      const gt = gtMasks(video, source);
      label.segmentations!.forEach((seg, t) => {
        const present = (source.points![t] ?? []).length > 0;
        const want = present ? gt[t] : null;
        expect(maskOf(seg, video.height, video.width), `object ${label.id} frame ${t}`).toEqual(want);
        if (want) pairs++;
      });
    }
    expect(gpu.summary.miou).toBe(1);
    expect(gpu.summary.iou_pairs).toBe(pairs);
    expect(gpu.summary.objects_unmatched).toBe(0);
    expect(gpu.summary.objects).toBe(points.annotations.length);
  });

  it('keeps pseudo labels only on annotated frames where the object shows up', async () => {
    const points = withPoints('P1N1', 0.5, 6);
    const dir = tempDir();
    writeGtProposals(points, dir, 2);
    const { dataset, summary } = await runPseudoLabels(options(points, dir));
    let removed = 0;
    let labelled = 0;
    for (const label of dataset.annotations) {
      const source = points.annotations.find((a) => a.id === label.id)!;
      source.segmentations!.forEach((gt, t) => {
        const shows = (source.points![t] ?? []).length > 0;
        expect(label.segmentations![t] === null, `object ${label.id} frame ${t}`).toBe(!shows);
        if (shows) labelled++;
        else if (gt !== null) removed++;
      });
    }
    expect(removed).toBeGreaterThan(0);
    expect(summary.removed_frames).toBe(removed);
    expect(summary.labelled_frames).toBe(labelled);
    expect(summary.miou).toBe(1);
  });

  it('sharded runs merge to the same output as one run', async () => {
    const points = withPoints('P1', 1, 8);
    const dir = tempDir();
    writeGtProposals(points, dir, 5);
    const outDir = tempDir();
    const out = join(outDir, 'pseudo.json');
    const whole = await runPseudoLabels(options(points, dir));
    for (const shard of ['1/3', '0/3', '2/3'].map(parseShard)) {
      const part = await runPseudoLabels(options(points, dir, { shard }));
      writePseudoLabels(shardOutputPath(out, shard), part);
    }
    const merged = mergePseudoShards(out);
    expect(merged.dataset).toEqual(whole.dataset);
    const { seconds: _a, iou_sum: sumA, miou: miouA, ...countsA } = merged.summary;
    const { seconds: _b, iou_sum: sumB, miou: miouB, ...countsB } = whole.summary;
    expect(countsA).toEqual(countsB);
    expect(sumA).toBeCloseTo(sumB, 9);
    expect(miouA!).toBeCloseTo(miouB!, 12);
  });
});

// Hand-made videos: 12×16 frames; object A is the left block, B the right block beside it.
const H = 12;
const W = 16;
const A = rectMask(H, W, 2, 1, 10, 7); // 8×6 = 48 pixels
const B = rectMask(H, W, 1, 7, 11, 15); // 10×8 = 80 pixels
const AB = A.map((v, i) => v | B[i]!);
const pos = (x: number, y: number): LabeledPoint => [x, y, 1];

describe('pseudo: hand-made cases', () => {
  it('L_cineg rejects a proposal merging two objects that L_ann (P1) accepts', async () => {
    // P1: one positive point per object and frame. Proposals: A ∪ B, A, B. Without L_cineg the
    // costs are −λ3·maskness (every proposal covers the points it needs): A ∪ B has the most
    // maskness, so the optimum gives it to one object; (A→AB, B→B) costs −2(m_AB + m_B) <
    // −2(m_A + m_AB), so A, whose own mask is smaller, is labelled with the merged mask.
    // With L_cineg, A ∪ B costs λ2 = 5 per frame for either object (it covers the other's point).
    const { dataset, video } = handVideo(H, W, 2, [
      [[pos(3.5, 5.5)], [pos(4.5, 6.5)]],
      [[pos(11.5, 4.5)], [pos(10.5, 8.5)]],
    ]);
    const dir = tempDir();
    writeVideoProposals(
      dir,
      proposalFileOf(video, [{ masks: [AB, AB] }, { masks: [A, A] }, { masks: [B, B] }]),
    );
    const run = async (lambda: string) =>
      (
        await runPseudoLabels({
          ...options(dataset, dir, { groundTruth: null }),
          weights: parseLambda(lambda),
        })
      ).dataset;
    const without = await run('5,0,2');
    expect(maskOf(without.annotations[0]!.segmentations![0], H, W)).toEqual(AB);
    expect(maskOf(without.annotations[1]!.segmentations![1], H, W)).toEqual(B);
    const full = await run('5,5,2');
    expect(full.annotations.map((a) => maskOf(a.segmentations![1], H, W))).toEqual([A, B]);
  });

  it('per-frame matching (PF) switches proposals where video matching keeps one track', async () => {
    // A is present in frames 0–2 (one positive point each). Proposal D holds A plus the whole
    // right half in frame 1 (more maskness there) and a block away from A elsewhere. Video:
    // D misses A's point twice (L_ann = 2 → +10), so A takes its own track. PF in frame 1: both
    // cover the point; D's frame maskness is larger, so PF labels frame 1 with D.
    const away = rectMask(H, W, 0, 10, 3, 16);
    const D1 = A.map((v, i) => v | (i % W >= 8 ? 1 : 0));
    const { dataset, video } = handVideo(H, W, 3, [[[pos(3.5, 5.5)], [pos(3.5, 5.5)], [pos(2.5, 4.5)]]]);
    const dir = tempDir();
    writeVideoProposals(dir, proposalFileOf(video, [{ masks: [A, A, A] }, { masks: [away, D1, away] }]));
    const byVariant = async (variant: 'pointvis' | 'pf') =>
      (
        await runPseudoLabels({ ...options(dataset, dir, { groundTruth: null }), variant })
      ).dataset.annotations[0]!.segmentations!.map((s) => maskOf(s, H, W));
    expect(await byVariant('pointvis')).toEqual([A, A, A]);
    expect(await byVariant('pf')).toEqual([A, D1, A]);
  });

  it('VISC labels with the k most confident proposals on every frame; points only name the category', async () => {
    // Confidences: X 0.95, A 0.9, B 0.8, Y 0.1; k = 2 objects → {X, A}. A's points pick A for
    // object 0 (category 1); object 1 (category 2) gets X. Labels cover every frame with a mask,
    // also frame 2 where no object is annotated.
    const X = rectMask(H, W, 0, 0, 2, 3);
    const Y = rectMask(H, W, 10, 0, 12, 3);
    const { dataset, video } = handVideo(H, W, 3, [
      [[pos(3.5, 5.5)], [pos(3.5, 5.5)], null],
      [[pos(11.5, 4.5)], [pos(11.5, 4.5)], null],
    ]);
    const dir = tempDir();
    writeVideoProposals(
      dir,
      proposalFileOf(video, [
        { masks: [B, B, B], confidence: 0.8 },
        { masks: [Y, Y, Y], confidence: 0.1 },
        { masks: [A, A, A], confidence: 0.9 },
        { masks: [X, X, null], confidence: 0.95 },
      ]),
    );
    const { dataset: out } = await runPseudoLabels({
      ...options(dataset, dir, { groundTruth: null }),
      variant: 'visc',
    });
    const masks = out.annotations.map((a) => a.segmentations!.map((s) => maskOf(s, H, W)));
    expect(masks).toEqual([
      [A, A, A],
      [X, X, null],
    ]);
    expect(out.annotations.map((a) => a.category_id)).toEqual([1, 2]);
  });
});
