/**
 * Proposal sets made directly from masks (no image model) for the pseudo-label tests: the ground
 * truth of each object plus distractors, written as proposals files.
 */
import type {
  LabeledPoint,
  YtvisAnnotation,
  YtvisDataset,
  YtvisVideo,
} from '../../pointvis/formats/types.js';
import {
  PROPOSALS_FORMAT,
  PROPOSALS_VERSION,
  type VideoProposalFile,
  writeVideoProposals,
} from '../../pointvis/proposals/index.js';
import { compressRle, encodeMask } from '../../pointvis/rle/index.js';
import { rng } from '../util/engine.js';
import { gtMasks, shiftMask, unionMask } from './proposals-fixtures.js';

export type MaskTrack = (Uint8Array | null)[];

export interface ProposalSpec {
  masks: MaskTrack;
  /** Maskness (and per-frame maskness) = this × the mean of the binary masks (default 1). */
  scale?: number;
  confidence?: number;
}

const count = (m: Uint8Array | null) => (m ? m.reduce((n, v) => n + v, 0) : 0);

/** A proposals file whose masks are the given binary masks at the video's size. */
export function proposalFileOf(video: YtvisVideo, specs: readonly ProposalSpec[]): VideoProposalFile {
  const { height: H, width: W, length: T } = video;
  return {
    format: PROPOSALS_FORMAT,
    version: PROPOSALS_VERSION,
    video_id: video.id,
    frames: T,
    frame_size: [H, W],
    mask_size: [H, W],
    threshold: 0.5,
    queries: specs.length,
    proposals: specs.map((s, r) => {
      const area = s.masks.reduce((n, m) => n + count(m), 0);
      return {
        query: r,
        maskness: ((s.scale ?? 1) * area) / (T * H * W),
        confidence: s.confidence ?? 0.5,
        inside: area > 0 ? 1 : 0,
        frame_maskness: s.masks.map((m) => ((s.scale ?? 1) * count(m)) / (H * W)),
        masks: s.masks.map((m) => (m && m.includes(1) ? compressRle(encodeMask(m, H, W)).counts : null)),
      };
    }),
  };
}

export function rectMask(H: number, W: number, y0: number, x0: number, y1: number, x1: number): Uint8Array {
  const m = new Uint8Array(H * W);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return m;
}

/** The object's mask grown by a 3×3 block around each of its negative points (so it covers them). */
function coverNegatives(
  mask: Uint8Array | null,
  points: readonly LabeledPoint[] | null,
  H: number,
  W: number,
) {
  const negatives = (points ?? []).filter((p) => p[2] === 0);
  if (mask === null || negatives.length === 0) return mask;
  const out = mask.slice();
  for (const [x, y] of negatives) {
    const px = Math.floor(x);
    const py = Math.floor(y);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const yy = py + dy;
        const xx = px + dx;
        if (yy >= 0 && xx >= 0 && yy < H && xx < W) out[yy * W + xx] = 1;
      }
  }
  return out;
}

function frameSets(a: YtvisAnnotation): Set<number> {
  const s = new Set<number>();
  a.points?.forEach((p, t) => p && p.length > 0 && s.add(t));
  return s;
}

export interface GtProposals {
  specs: ProposalSpec[];
  /** gtIndex[j]: the proposal that is object j's ground truth. */
  gtIndex: number[];
}

/**
 * Ground truth of every object plus distractors that a P1N1 matcher must reject: each pair of
 * objects seen together merged (more maskness, but it covers the other object's positive point),
 * each object grown over its negative points (more maskness, but L_ann), shifted copies (less
 * maskness), a full-frame and an empty proposal; all in a shuffled order.
 */
export function gtWithDistractors(dataset: YtvisDataset, video: YtvisVideo, seed: number): GtProposals {
  const { height: H, width: W } = video;
  const objects = dataset.annotations.filter((a) => a.video_id === video.id && a.iscrowd !== 1);
  const gt = objects.map((a) => gtMasks(video, a));
  const specs: ProposalSpec[] = gt.map((masks) => ({ masks }));
  objects.forEach((a, i) => {
    objects.forEach((b, j) => {
      if (j <= i) return;
      const together = [...frameSets(a)].some((t) => frameSets(b).has(t));
      if (together) specs.push({ masks: gt[i]!.map((m, t) => unionMask(m, gt[j]![t]!, H * W)) });
    });
    const grown = gt[i]!.map((m, t) => coverNegatives(m, a.points?.[t] ?? null, H, W));
    if (grown.some((m, t) => m !== gt[i]![t])) specs.push({ masks: grown });
    const shifted = gt[i]!.map((m) => (m ? shiftMask(m, H, W, 1, 2) : null));
    specs.push({ masks: shifted, scale: 0.7 });
  });
  specs.push({ masks: gt[0]!.map(() => new Uint8Array(H * W).fill(1)) });
  specs.push({ masks: gt[0]!.map(() => null) });
  const random = rng(seed);
  const order = specs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const shuffled = order.map((i) => specs[i]!);
  return { specs: shuffled, gtIndex: gt.map((_, j) => order.indexOf(j)) };
}

/** Writes every video's proposals into a folder; returns, per video id, each object's gt proposal. */
export function writeGtProposals(dataset: YtvisDataset, dir: string, seed: number): Map<number, number[]> {
  const gtIndex = new Map<number, number[]>();
  for (const video of dataset.videos) {
    const made = gtWithDistractors(dataset, video, seed + video.id);
    writeVideoProposals(dir, proposalFileOf(video, made.specs));
    gtIndex.set(video.id, made.gtIndex);
  }
  return gtIndex;
}

/** A one-video dataset of H×W frames with the given objects' points (category 1 each). */
export function handVideo(
  H: number,
  W: number,
  T: number,
  objects: (LabeledPoint[] | null)[][],
): { dataset: YtvisDataset; video: YtvisVideo } {
  const video: YtvisVideo = {
    id: 7,
    width: W,
    height: H,
    length: T,
    file_names: Array.from({ length: T }, (_, t) => `v7/${t}.png`),
  };
  return {
    video,
    dataset: {
      videos: [video],
      categories: [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ],
      annotations: objects.map((points, j) => ({
        id: 100 + j,
        video_id: 7,
        category_id: 1 + (j % 2),
        iscrowd: 0,
        points,
      })),
    },
  };
}
