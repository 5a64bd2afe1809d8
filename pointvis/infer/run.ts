/**
 * MinVIS inference over an input's videos: per video, frames resized/normalised/padded window by
 * window, the image model run per window with its queries tracked across the video, the top-k
 * video instances scored and their masks resized to the original frames, written as a
 * YouTube-VIS results file (optionally one shard of the videos), with optional overlays.
 */
import { basename, extname, join, resolve } from 'node:path';
import {
  type FrameSource,
  type ImageModelFn,
  type TrackedVideo,
  type VideoGeometry,
  type VideoInstances,
  runWindowInference,
  scoreVideo,
  videoResults,
} from '../../model/minvis/index.js';
import type { CategoryMap } from '../data/category-map';
import type { YtvisResult, YtvisVideo } from '../formats/types';
import { saveYtvisResults } from '../formats/ytvis-results';
import { loadVideoFrame } from '../frames';
import { writeJsonAtomic } from '../io/atomic-write';
import { videoInput } from '../proposals/frames';
import { type Shard, inShard } from '../proposals/shard';
import { type VideoOverlayOptions, writeVideoOverlays } from '../viz/overlay-video';
import type { InferInput, InferVideo } from './inputs';
import type { InferenceSettings } from './settings';
import {
  type InferShardMeta,
  RESULTS_FILE,
  SHARD_META_FORMAT,
  shardMetaFile,
  shardResultsFile,
} from './shards';

export interface InferProgress {
  framesDone: number;
  framesTotal: number;
  videosDone: number;
  videosTotal: number;
  videoId: number;
}

export interface InferRunOptions {
  input: InferInput;
  outDir: string;
  /**
   * The image model for a video (the CLI gives one Mask2Former for all); `geometry` says where
   * the frames sit in the padded input.
   */
  modelFor: (video: YtvisVideo, geometry: VideoGeometry) => ImageModelFn;
  /** Names the model (config and weights) in shard files, so shards of different runs never merge. */
  modelName: string;
  settings: InferenceSettings;
  /** Category ids and names of the model's classes (contiguous class k = k-th smallest id). */
  categories: CategoryMap;
  /** Only the videos at positions p with p % count == index; results go to a shard file. */
  shard?: Shard;
  /** Write overlays (OUT/overlays/<video>/ and OUT/overlays/<video>.strip.png); null: none. */
  overlays?: VideoOverlayOptions | null;
  onProgress?: (progress: InferProgress) => void;
}

export interface InferRunResult {
  resultsFile: string;
  /** The shard's meta file (sharded runs only). */
  metaFile: string | null;
  results: YtvisResult[];
  videos: number;
  frames: number;
  /** The figure strips written, one per video (with overlays). */
  strips: string[];
  seconds: number;
}

function disposeTracked(t: TrackedVideo): void {
  for (const x of [t.predLogits, t.predMasks, t.queryEmbeddings, t.permutation]) x.dispose();
}

/** Overlay file names: each frame's own name as .png (its index when names repeat). */
function overlayFileNames(video: YtvisVideo): string[] {
  const names = video.file_names.map((f) => `${basename(f, extname(f))}.png`);
  return new Set(names).size === names.length
    ? names
    : names.map((_, t) => `${String(t).padStart(5, '0')}.png`);
}

/** One video's top-k instances; `report(done)` is told how many of its frames are through. */
async function inferVideo(
  item: InferVideo,
  options: InferRunOptions,
  report: (framesDone: number) => void,
): Promise<VideoInstances> {
  const { settings } = options;
  const input = videoInput(item.framesRoot, item.video, {
    resize: settings.resize,
    collate: settings.collate,
    dataFile: options.input.source,
    videoIndex: item.position,
  });
  const inner = input.source;
  if (!('numFrames' in inner)) throw new Error('infer: expected frames loaded window by window');
  const source: FrameSource = {
    numFrames: inner.numFrames,
    load: (start, end) => {
      report(start);
      return inner.load(start, end);
    },
  };
  const tracked = await runWindowInference(options.modelFor(item.video, input.geometry), source, {
    windowSize: settings.windowSize,
  });
  try {
    const classes = tracked.predLogits.shape[2]! - 1;
    if (classes !== options.categories.size) {
      throw new Error(
        `the model predicts ${classes} classes but ${options.categories.size} categories were given ` +
          `(ids ${options.categories.ids.join(', ')})`,
      );
    }
    const instances = await scoreVideo(tracked, input.geometry, {
      topk: settings.topk,
      maskThreshold: settings.maskThreshold,
    });
    report(inner.numFrames);
    return instances;
  } finally {
    disposeTracked(tracked);
  }
}

export async function runInference(options: InferRunOptions): Promise<InferRunResult> {
  const started = Date.now();
  const mine = options.input.videos.filter(
    (v) => options.shard === undefined || inShard(v.position, options.shard),
  );
  const framesTotal = mine.reduce((n, v) => n + v.video.file_names.length, 0);
  const results: YtvisResult[] = [];
  const strips: string[] = [];
  const perVideo: InferShardMeta['videos'] = [];
  let framesBefore = 0;
  for (const [done, item] of mine.entries()) {
    const progress = (framesDone: number) =>
      options.onProgress?.({
        framesDone: framesBefore + framesDone,
        framesTotal,
        videosDone: done,
        videosTotal: mine.length,
        videoId: item.video.id,
      });
    const instances = await inferVideo(item, options, progress);
    const entries = videoResults(instances, item.video.id, options.categories.ids);
    results.push(...entries);
    perVideo.push({ id: item.video.id, position: item.position, results: entries.length });
    if (options.overlays) {
      const names = overlayFileNames(item.video);
      const files = writeVideoOverlays(
        join(options.outDir, 'overlays'),
        item.name,
        {
          count: item.video.file_names.length,
          load: (t) => loadVideoFrame(item.framesRoot, item.video, t),
          fileName: (t) => names[t]!,
        },
        instances,
        options.categories.names,
        options.overlays,
      );
      strips.push(files.strip);
    }
    framesBefore += item.video.file_names.length;
    options.onProgress?.({
      framesDone: framesBefore,
      framesTotal,
      videosDone: done + 1,
      videosTotal: mine.length,
      videoId: item.video.id,
    });
  }
  const seconds = (Date.now() - started) / 1000;
  const base = { results, videos: mine.length, frames: framesTotal, strips, seconds };
  if (options.shard === undefined) {
    const resultsFile = join(options.outDir, RESULTS_FILE);
    saveYtvisResults(resultsFile, results);
    return { ...base, resultsFile, metaFile: null };
  }
  const resultsFile = join(options.outDir, shardResultsFile(options.shard));
  saveYtvisResults(resultsFile, results);
  const meta: InferShardMeta = {
    format: SHARD_META_FORMAT,
    shard: [options.shard.index, options.shard.count],
    source: resolve(options.input.source),
    model: options.modelName,
    videos: perVideo,
    seconds,
  };
  const metaFile = join(options.outDir, shardMetaFile(options.shard));
  writeJsonAtomic(metaFile, meta);
  return { ...base, resultsFile, metaFile };
}
