import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageModelFn } from '../../model/minvis/index.js';
import type { YtvisDataset, YtvisVideo } from '../formats/types';
import { writeJsonAtomic } from '../io/atomic-write';
import { type FrameInputOptions, videoInput } from './frames';
import { type ProposalMaskSize, type VideoProposalOptions, videoProposals } from './generate';
import { WHOLE, type Shard, inShard, shardTag } from './shard';
import { readVideoProposals, videoProposalFileName, writeVideoProposals } from './store';
import type { ProposalSettings, ShardManifest } from './types';

export interface ProposalRunOptions {
  dataset: YtvisDataset;
  dataFile: string;
  framesRoot: string;
  outDir: string;
  /** The image model for a video (the CLI returns one Mask2Former for every video). */
  modelFor: (video: YtvisVideo) => ImageModelFn;
  /** Names the model in the manifest (config and weights files). */
  modelName: string;
  frameInput: Pick<FrameInputOptions, 'resize' | 'collate'>;
  proposal: VideoProposalOptions;
  shard?: Shard;
  /** Keep videos whose file is already there and valid (a restarted shard). */
  resume?: boolean;
  onVideo?: (done: number, total: number, videoId: number) => void;
}

export interface ProposalRunResult {
  videos: number[];
  /** Videos kept from an earlier run (resume). */
  reused: number;
  manifest: string;
  seconds: number;
}

function maskSizeText(size: ProposalMaskSize | undefined): string {
  if (size === undefined || size === 'frame' || size === 'native') return size ?? 'frame';
  return `${size[0]}x${size[1]}`;
}

export function proposalSettings(options: ProposalRunOptions): ProposalSettings {
  const resize = options.frameInput.resize;
  return {
    model: options.modelName,
    proposals_per_video: options.proposal.proposalsPerVideo ?? -1,
    threshold: options.proposal.threshold ?? 0.5,
    mask_size: maskSizeText(options.proposal.maskSize),
    window_size: Number.isFinite(options.proposal.windowSize) ? options.proposal.windowSize : -1,
    test_size: resize ? [resize.shortEdge, resize.maxSize] : [0, 0],
    data: options.dataFile,
  };
}

function reusable(path: string, videoId: number): boolean {
  if (!existsSync(path)) return false;
  try {
    return readVideoProposals(path).video_id === videoId;
  } catch {
    return false;
  }
}

/**
 * Proposals for every video of the shard, one file per video written as soon as it is done, then
 * the shard's manifest (its presence means the shard finished).
 */
export async function runProposals(options: ProposalRunOptions): Promise<ProposalRunResult> {
  const started = Date.now();
  const shard = options.shard ?? WHOLE;
  const mine = options.dataset.videos
    .map((video, position) => ({ video, position }))
    .filter(({ position }) => inShard(position, shard));
  let reused = 0;
  for (const [done, { video, position }] of mine.entries()) {
    const path = join(options.outDir, videoProposalFileName(video.id));
    if (options.resume && reusable(path, video.id)) reused++;
    else {
      const input = videoInput(options.framesRoot, video, {
        ...options.frameInput,
        dataFile: options.dataFile,
        videoIndex: position,
      });
      const proposals = await videoProposals(
        options.modelFor(video),
        input.source,
        input.geometry,
        video.id,
        options.proposal,
      );
      writeVideoProposals(options.outDir, proposals);
    }
    options.onVideo?.(done + 1, mine.length, video.id);
  }
  const seconds = (Date.now() - started) / 1000;
  const manifest: ShardManifest = {
    format: 'pointvis-proposals-shard',
    shard: [shard.index, shard.count],
    settings: proposalSettings(options),
    videos: mine.map(({ video }) => video.id),
    seconds,
  };
  const manifestPath = join(options.outDir, `${shardTag(shard)}.json`);
  writeJsonAtomic(manifestPath, manifest);
  return { videos: manifest.videos, reused, manifest: manifestPath, seconds };
}
