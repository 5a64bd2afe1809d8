import { slice, tidyAsync } from '../../engine/index.js';
import {
  type FrameSource,
  type ImageModelFn,
  type TrackedVideo,
  type VideoGeometry,
  defaultProposalSize,
  minvisProposals,
  runWindowInference,
} from '../../model/minvis/index.js';
import { encodeProposals, keepTopProposals } from './encode';
import { PROPOSALS_FORMAT, PROPOSALS_VERSION, type VideoProposalFile } from './types';

/** Where the stored masks live: the video's frame size, the mask logits' own grid, or [H, W]. */
export type ProposalMaskSize = 'frame' | 'native' | readonly [number, number];

export interface VideoProposalOptions {
  /** Frames per model call (MinVIS window inference). */
  windowSize: number;
  /** Proposals kept (R); fewer than the queries keeps the highest maskness. Default: all. */
  proposalsPerVideo?: number;
  /** Binarisation threshold of M̂ (0.5). */
  threshold?: number;
  /** Default 'frame'. */
  maskSize?: ProposalMaskSize;
  /** Largest soft-mask block read back at once, in f32 values (default 2^24 = 64 MiB). */
  maxSoftValues?: number;
}

export function resolveMaskSize(
  size: ProposalMaskSize,
  logitSize: readonly [number, number],
  geometry: VideoGeometry,
): [number, number] {
  if (size === 'frame') return [geometry.outputSize[0], geometry.outputSize[1]];
  if (size === 'native') return defaultProposalSize(logitSize, geometry);
  return [size[0], size[1]];
}

function disposeTracked(t: TrackedVideo): void {
  t.predLogits.dispose();
  t.predMasks.dispose();
  t.queryEmbeddings.dispose();
  t.permutation.dispose();
}

/**
 * The class-agnostic spatio-temporal proposals of one video (paper eq. 1): the image model runs
 * on windows of frames, its queries are tracked by their embeddings (MinVIS), and each track's
 * soft masks are resized to the mask size, read back a block of tracks at a time and compacted
 * (so the whole [Q, T, H, W] never exists at once).
 */
export async function videoProposals(
  model: ImageModelFn,
  frames: FrameSource,
  geometry: VideoGeometry,
  videoId: number,
  options: VideoProposalOptions,
): Promise<VideoProposalFile> {
  const tracked = await runWindowInference(model, frames, { windowSize: options.windowSize });
  try {
    return await trackedVideoProposals(tracked, geometry, videoId, options);
  } finally {
    disposeTracked(tracked);
  }
}

/**
 * The proposals of a video already run and tracked (`runWindowInference`'s output, which stays
 * the caller's): what `videoProposals` does after inference, for callers that also score the
 * same tracks as video instances (the browser app).
 */
export async function trackedVideoProposals(
  tracked: TrackedVideo,
  geometry: VideoGeometry,
  videoId: number,
  options: Omit<VideoProposalOptions, 'windowSize'> = {},
): Promise<VideoProposalFile> {
  const threshold = options.threshold ?? 0.5;
  const [T, Q, h, w] = tracked.predMasks.shape as [number, number, number, number];
  const size = resolveMaskSize(options.maskSize ?? 'frame', [h, w], geometry);
  const perTrack = T * size[0] * size[1];
  const block = Math.max(1, Math.floor((options.maxSoftValues ?? 1 << 24) / Math.max(1, perTrack)));
  const entries = [];
  for (let q0 = 0; q0 < Q; q0 += block) {
    const q1 = Math.min(Q, q0 + block);
    const part = await tidyAsync(async () => {
      const p = minvisProposals(
        {
          predLogits: slice(tracked.predLogits, 1, q0, q1),
          predMasks: slice(tracked.predMasks, 1, q0, q1),
        },
        geometry,
        { size },
      );
      return { soft: await p.soft.data(), confidence: await p.confidence.data() };
    });
    const shape = [q1 - q0, T, size[0], size[1]] as const;
    entries.push(
      ...encodeProposals(
        { soft: part.soft as Float32Array, shape, firstQuery: q0, confidence: part.confidence },
        threshold,
      ),
    );
  }
  return {
    format: PROPOSALS_FORMAT,
    version: PROPOSALS_VERSION,
    video_id: videoId,
    frames: T,
    frame_size: [geometry.outputSize[0], geometry.outputSize[1]],
    mask_size: size,
    threshold,
    queries: Q,
    proposals: keepTopProposals(entries, options.proposalsPerVideo ?? Q),
  };
}
