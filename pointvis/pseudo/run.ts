import { wordsPerRow } from '../../engine/index.js';
import type { YtvisAnnotation, YtvisDataset } from '../formats/types';
import { PAPER_LAMBDA } from './lambda';
import { type VideoProposalFile, type Shard, WHOLE, inShard } from '../proposals';
import { chooseProposals } from './choose';
import { type LabelCounts, videoLabels, zeroCounts } from './labels';
import { type GroundTruthLookup, type IouTotals, addVideoIou } from './miou';
import { type PreparedVideo, prepareVideo } from './prepare';
import type { PseudoOptions, PseudoScore, PseudoSummary } from './types';

export interface PseudoRunOptions extends PseudoOptions {
  points: YtvisDataset;
  pointsFile: string;
  /** The proposals of a video (a ProposalStore); throws naming the video when it has none. */
  proposals: { read(videoId: number): VideoProposalFile };
  /** Names the proposals in errors. */
  proposalsSource: string;
  /** Ground truth for the mIoU (null: none). */
  groundTruth?: GroundTruthLookup | null;
  groundTruthFile?: string;
  shard?: Shard;
  onVideos?: (done: number, total: number) => void;
}

export interface PseudoRunResult {
  dataset: YtvisDataset;
  summary: PseudoSummary;
}

function defaultScore(options: PseudoOptions): PseudoScore {
  return options.score ?? (options.variant === 'visc' ? 'confidence' : 'maskness');
}

function wordsOf(p: VideoProposalFile): number {
  return p.proposals.length * p.frames * p.mask_size[0] * wordsPerRow(p.mask_size[1]);
}

/**
 * Pseudo labels for the videos of a shard: proposals are read video by video, matched to the
 * point-annotated objects in GPU batches, and each object's matched masks become its labels on
 * the frames where it shows up. The output keeps every video and category of the points file;
 * its annotations (this shard's) follow the videos' order, then the points file's.
 */
export async function runPseudoLabels(options: PseudoRunOptions): Promise<PseudoRunResult> {
  const started = Date.now();
  const variant = options.variant ?? 'pointvis';
  const weights = options.weights ?? PAPER_LAMBDA;
  const score = defaultScore(options);
  const presence = options.presence ?? 'any-point';
  const normalize = options.normalize ?? 'none';
  const shard = options.shard ?? WHOLE;
  const maxVideos = options.maxBatchVideos ?? 64;
  const maxWords = options.maxBatchWords ?? 1 << 26;

  const byVideo = new Map<number, YtvisAnnotation[]>();
  for (const a of options.points.annotations) {
    const list = byVideo.get(a.video_id) ?? [];
    list.push(a);
    byVideo.set(a.video_id, list);
  }
  const videos = options.points.videos.filter((_, position) => inShard(position, shard));
  const counts: LabelCounts = zeroCounts();
  const iou: IouTotals = { sum: 0, pairs: 0 };
  const annotations: YtvisAnnotation[] = [];
  let objects = 0;
  let withoutProposals = 0;
  let done = 0;

  const flush = async (batch: PreparedVideo[]) => {
    if (batch.length === 0) return;
    const choices = await chooseProposals(batch, {
      variant,
      weights,
      score,
      presence,
      normalize,
      viscK: options.viscK,
      solver: options.solver,
      source: options.proposalsSource,
    });
    batch.forEach((v, b) => {
      const labels = videoLabels(v, choices[b]!, counts);
      if (options.groundTruth) {
        addVideoIou(labels, v.video, options.groundTruth, iou, options.groundTruthFile ?? options.pointsFile);
      }
      annotations.push(...labels);
    });
    done += batch.length;
    options.onVideos?.(done, videos.length);
  };

  let batch: PreparedVideo[] = [];
  let words = 0;
  for (const video of videos) {
    const proposals = options.proposals.read(video.id);
    const prepared = prepareVideo(
      video,
      byVideo.get(video.id) ?? [],
      proposals,
      presence,
      options.proposalsSource,
    );
    objects += prepared.annotations.length;
    if (proposals.proposals.length === 0) withoutProposals++;
    const w = wordsOf(proposals);
    if (batch.length > 0 && (batch.length >= maxVideos || words + w > maxWords)) {
      await flush(batch);
      batch = [];
      words = 0;
    }
    batch.push(prepared);
    words += w;
  }
  await flush(batch);

  const dataset: YtvisDataset = {
    info: {
      ...(options.points.info ?? {}),
      pseudo_labels: {
        variant,
        lambda: [weights.ann, weights.cineg, weights.maskness],
        score,
        proposals: options.proposalsSource,
        points: options.pointsFile,
      },
    },
    videos: options.points.videos,
    categories: options.points.categories,
    annotations,
  };
  if (options.points.licenses !== undefined) dataset.licenses = options.points.licenses;
  const summary: PseudoSummary = {
    variant,
    lambda: [weights.ann, weights.cineg, weights.maskness],
    score,
    presence,
    normalize,
    shard: [shard.index, shard.count],
    videos: videos.length,
    videos_without_proposals: withoutProposals,
    objects,
    objects_labelled: counts.objectsLabelled,
    objects_unmatched: counts.objectsUnmatched,
    objects_without_points: counts.objectsWithoutPoints,
    skipped_objects: counts.withoutPoints,
    labelled_frames: counts.labelledFrames,
    empty_masks: counts.emptyMasks,
    removed_frames: counts.removedFrames,
    miou: options.groundTruth && iou.pairs > 0 ? iou.sum / iou.pairs : null,
    iou_sum: iou.sum,
    iou_pairs: iou.pairs,
    seconds: (Date.now() - started) / 1000,
  };
  return { dataset, summary };
}
