import type { PresenceRule } from '../../engine/index.js';
import { PointvisDataError } from '../errors';
import type { YtvisAnnotation, YtvisVideo } from '../formats/types';
import { type MatcherObject, presentFrames } from '../matcher';
import type { ProposalEntry, VideoProposalFile } from '../proposals';
import type { PseudoScore } from './types';

/** One video ready for matching: its objects with points and its proposals. */
export interface PreparedVideo {
  video: YtvisVideo;
  proposals: VideoProposalFile;
  /** Non-crowd point annotations of the video, in file order. */
  annotations: YtvisAnnotation[];
  /** Their points, one entry per frame (null = not annotated). */
  objects: MatcherObject[];
  /** Per object, the frames where it shows up (the presence rule). */
  present: number[][];
}

export function proposalScore(entry: ProposalEntry, score: PseudoScore): number {
  return score === 'confidence' ? entry.confidence : score === 'inside' ? entry.inside : entry.maskness;
}

/** Score of a proposal in one frame: per-frame maskness, else its video-level score. */
export function frameScore(entry: ProposalEntry, score: PseudoScore, t: number): number {
  return score === 'maskness' ? entry.frame_maskness[t]! : proposalScore(entry, score);
}

/** Checks that a proposals file belongs to the video (frame count, frame size). */
export function checkProposalsMatchVideo(
  proposals: VideoProposalFile,
  video: YtvisVideo,
  source: string,
): void {
  const fail = (problem: string): never => {
    throw new PointvisDataError(`video ${video.id}: ${problem}`, { file: source });
  };
  if (proposals.frames !== video.length) {
    fail(`the proposals have ${proposals.frames} frames, the video ${video.length}`);
  }
  if (proposals.frame_size[0] !== video.height || proposals.frame_size[1] !== video.width) {
    fail(
      `the proposals were made for ${proposals.frame_size[1]}×${proposals.frame_size[0]} frames, ` +
        `the video is ${video.width}×${video.height}`,
    );
  }
}

export function prepareVideo(
  video: YtvisVideo,
  annotations: readonly YtvisAnnotation[],
  proposals: VideoProposalFile,
  presence: PresenceRule,
  source: string,
): PreparedVideo {
  checkProposalsMatchVideo(proposals, video, source);
  const mine = annotations.filter((a) => a.iscrowd !== 1);
  const objects = mine.map((a) => ({
    points: a.points ?? new Array<null>(video.length).fill(null),
  }));
  return {
    video,
    proposals,
    annotations: mine,
    objects,
    present: objects.map((o) => presentFrames(o, presence)),
  };
}
