/**
 * MinVIS on the loaded video, once: frames → windows → the image model → tracked queries; the
 * tracks are then scored as video instances (what `pointvis infer` writes) and compacted into
 * class-agnostic proposals (what `pointvis proposals` writes) for the point matcher.
 */
import {
  type FrameSource,
  type TrackedVideo,
  type VideoInstances,
  runWindowInference,
  scoreVideo,
  videoResults,
} from '../../../model/minvis/index.js';
import type { YtvisResult } from '../../../pointvis/formats/types.js';
import { videoFrameInput } from '../../../pointvis/proposals/frame-tensors.js';
import { trackedVideoProposals } from '../../../pointvis/proposals/generate.js';
import { proposalSettingsFromConfig } from '../../../pointvis/proposals/settings.js';
import type { VideoProposalFile } from '../../../pointvis/proposals/types.js';
import type { LoadedVideo } from './frame-files';
import type { LoadedModel } from './model-load';

export interface Analysis {
  instances: VideoInstances;
  proposals: VideoProposalFile;
  /** YouTube-VIS results entries, as `pointvis infer` writes them. */
  results: YtvisResult[];
  seconds: number;
}

export type AnalysisStage = 'model' | 'scoring' | 'proposals';

export interface AnalysisProgress {
  stage: AnalysisStage;
  framesDone: number;
  framesTotal: number;
}

function disposeTracked(t: TrackedVideo): void {
  for (const x of [t.predLogits, t.predMasks, t.queryEmbeddings, t.permutation]) x.dispose();
}

/**
 * `categoryIds[label]` is the id of contiguous class `label` in the results (default label + 1,
 * as `pointvis infer` numbers classes without --categories).
 */
export async function analyseVideo(
  loaded: LoadedVideo,
  model: LoadedModel,
  categoryIds: readonly number[] | undefined,
  onProgress: (p: AnalysisProgress) => void,
): Promise<Analysis> {
  const started = performance.now();
  const { settings } = model;
  const { video } = loaded;
  const total = video.length;
  const input = videoFrameInput(video, (t) => ({ frame: loaded.frames[t]!, file: video.file_names[t]! }), {
    resize: settings.resize,
    collate: settings.collate,
    dataFile: loaded.name,
    videoIndex: 0,
  });
  const inner = input.source;
  if (!('numFrames' in inner)) throw new Error('analyseVideo: expected frames loaded window by window');
  const source: FrameSource = {
    numFrames: total,
    load: (start, end) => {
      onProgress({ stage: 'model', framesDone: start, framesTotal: total });
      return inner.load(start, end);
    },
  };
  const tracked = await runWindowInference(model.imageModel, source, { windowSize: settings.windowSize });
  try {
    onProgress({ stage: 'scoring', framesDone: total, framesTotal: total });
    const instances = await scoreVideo(tracked, input.geometry, {
      topk: settings.topk,
      maskThreshold: settings.maskThreshold,
    });
    onProgress({ stage: 'proposals', framesDone: total, framesTotal: total });
    const { proposal } = proposalSettingsFromConfig(model.config, 'frame');
    const proposals = await trackedVideoProposals(tracked, input.geometry, video.id, {
      threshold: proposal.threshold,
      proposalsPerVideo: proposal.proposalsPerVideo,
      maskSize: 'frame',
    });
    return {
      instances,
      proposals,
      results: videoResults(instances, video.id, categoryIds),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    disposeTracked(tracked);
  }
}
