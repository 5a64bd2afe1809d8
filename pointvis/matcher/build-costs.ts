import {
  type PixelPoint,
  type PointCostObject,
  type PointCostProblem,
  type PresenceRule,
  pointCostMatrices,
  tensor,
  tidy,
  wordsPerRow,
} from '../../engine/index.js';
import { PointvisDataError } from '../errors';
import { toPixelPoint } from './pixel-points';
import { presentFrames } from './presence';
import { type ProposalBank, type VideoBlock, assembleProposalBank } from './proposal-bank';
import type { CostProblemInfo, MatcherOptions, MatcherVideo, PointCosts } from './types';

const DEFAULT_SOURCE = '(matcher input)';

/** Every object's points mapped to mask pixels: [object][frame] (null = not annotated). */
function pixelObjects(video: MatcherVideo, block: VideoBlock, b: number, file: string): PointCostObject[] {
  const [, frames, height, width] = block.shape;
  const grid = {
    width,
    height,
    frameWidth: video.pointFrame?.width ?? width,
    frameHeight: video.pointFrame?.height ?? height,
  };
  return video.objects.map((o, j) => {
    if (o.points.length > frames) {
      throw new PointvisDataError(`${o.points.length} frames of points for ${frames} frames of proposals`, {
        file,
        field: `videos[${b}].objects[${j}].points`,
      });
    }
    return {
      frames: o.points.map((pts, t) =>
        pts === null || pts === undefined
          ? null
          : pts.map((p, k) =>
              toPixelPoint(p, grid, { file, field: `videos[${b}].objects[${j}].points[${t}][${k}]` }),
            ),
      ),
    };
  });
}

function matchedObjects(video: MatcherVideo, presence: PresenceRule, skipUnannotated: boolean): number[] {
  const all = video.objects.map((_, j) => j);
  return skipUnannotated ? all.filter((j) => presentFrames(video.objects[j]!, presence).length > 0) : all;
}

function finish(
  bank: ProposalBank,
  problems: PointCostProblem[],
  info: CostProblemInfo[],
  options: MatcherOptions,
): PointCosts {
  const matrices = pointCostMatrices(bank.bits, bank.scores, problems, {
    weights: options.weights,
    normalize: options.normalize,
    presence: options.presence,
  });
  const sizes = tensor(
    problems.flatMap((p) => [p.objects.length, p.proposals]),
    [problems.length, 2],
    'i32',
  );
  return {
    ...matrices,
    sizes,
    problems: info,
    maxObjects: matrices.cost.shape[1]!,
    maxProposals: matrices.cost.shape[2]!,
  };
}

/**
 * Spatio-temporal matching costs (paper §3.2): one problem per video, its objects (rows)
 * against its proposals (columns), costs summed over the frames where each object shows up.
 * CPU inputs are uploaded, soft masks packed on the GPU; returns padded [B, maxJ, maxR] tensors
 * (owned by the caller or the enclosing `tidy`).
 */
export function buildPointCosts(videos: readonly MatcherVideo[], options: MatcherOptions = {}): PointCosts {
  const file = options.source ?? DEFAULT_SOURCE;
  const presence = options.presence ?? 'any-point';
  return tidy(() => {
    const bank = assembleProposalBank(videos, options.threshold ?? 0.5, file);
    const problems: PointCostProblem[] = [];
    const info: CostProblemInfo[] = [];
    videos.forEach((video, b) => {
      const block = bank.blocks[b]!;
      const [R, T, H, W] = block.shape;
      const pixels = pixelObjects(video, block, b, file);
      const objects = matchedObjects(video, presence, options.skipUnannotated ?? true);
      problems.push({
        maskOffset: block.bitsOffset,
        proposals: R,
        frames: T,
        height: H,
        width: W,
        proposalStride: T * H * wordsPerRow(W),
        scoreOffset: block.scoreOffset,
        scoreStride: 1,
        objects: objects.map((j) => pixels[j]!),
      });
      info.push({ video: b, frame: null, objects, proposals: R });
    });
    return finish(bank, problems, info, options);
  });
}

/**
 * Per-frame matching, PointVIS (PF): every frame where at least one object is present is its own
 * problem, matching the objects present there against the proposals' masks in that frame only.
 * Scores are the proposals' maskness in that frame (or over the video, `perFrameScore: 'video'`),
 * or the given confidence scores.
 */
export function buildPerFramePointCosts(
  videos: readonly MatcherVideo[],
  options: MatcherOptions = {},
): PointCosts {
  const file = options.source ?? DEFAULT_SOURCE;
  const presence = options.presence ?? 'any-point';
  return tidy(() => {
    const bank = assembleProposalBank(videos, options.threshold ?? 0.5, file);
    const problems: PointCostProblem[] = [];
    const info: CostProblemInfo[] = [];
    videos.forEach((video, b) => {
      const block = bank.blocks[b]!;
      const [R, T, H, W] = block.shape;
      const frameWords = H * wordsPerRow(W);
      const pixels = pixelObjects(video, block, b, file);
      const present = video.objects.map((o) => new Set(presentFrames(o, presence)));
      const useFrameScore = block.frameScoreOffset !== null && (options.perFrameScore ?? 'frame') === 'frame';
      for (let t = 0; t < T; t++) {
        const objects = video.objects.map((_, j) => j).filter((j) => present[j]!.has(t));
        if (objects.length === 0) continue;
        problems.push({
          maskOffset: block.bitsOffset + t * frameWords,
          proposals: R,
          frames: 1,
          height: H,
          width: W,
          proposalStride: T * frameWords,
          scoreOffset: useFrameScore ? block.frameScoreOffset! + t : block.scoreOffset,
          scoreStride: useFrameScore ? T : 1,
          objects: objects.map((j) => ({
            frames: [pixels[j]!.frames[t] ?? null] as (readonly PixelPoint[] | null)[],
          })),
        });
        info.push({ video: b, frame: t, objects, proposals: R });
      }
    });
    return finish(bank, problems, info, options);
  });
}
