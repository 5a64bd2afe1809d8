import { PointvisDataError } from '../errors';
import type { YtvisAnnotation, YtvisDataset, YtvisResult } from '../formats/types';
import { accumulate } from './accumulate';
import { orderByScoreDescending, type EvalCell, type EvalProtocol } from './cell';
import { selectCategories } from './categories';
import { isAbsentSegmentation, readSegmentation, videoIou, type FrameMask } from './frame-mask';
import { numpyMean } from './numpy-sum';
import { summarize, type EvalSummary } from './summarize';

/** YouTube-VIS protocol: video-level sizes, so ranges at 128² and 256² rather than COCO's 32² / 96². */
export const YTVIS_PROTOCOL: EvalProtocol = {
  areaRanges: [
    [0, 1e5 ** 2],
    [0, 128 ** 2],
    [128 ** 2, 256 ** 2],
    [256 ** 2, 1e5 ** 2],
  ],
  areaLabels: ['all', 'small', 'medium', 'large'],
  maxDets: [1, 10, 100],
};

export interface EvalOptions {
  /** Evaluate (and average over) only these categories; default: every category of the ground truth. */
  categoryIds?: readonly number[];
  /** Names used in error messages. */
  gtFile?: string;
  resultsFile?: string;
}

interface VideoFrameSize {
  height: number;
  width: number;
}

/**
 * YouTube-VIS video AP / AR with the semantics of the official `ytvoseval` (see
 * shared/REFERENCE.md). Detections of categories outside the evaluated set are dropped; an empty
 * results list gives zeros wherever ground truth exists.
 */
export function evaluateYtvis(
  gt: YtvisDataset,
  results: readonly YtvisResult[],
  options: EvalOptions = {},
): EvalSummary {
  const gtFile = options.gtFile ?? '(ground truth)';
  const resultsFile = options.resultsFile ?? '(results)';
  const videos = new Map<number, VideoFrameSize>();
  for (const video of gt.videos) videos.set(video.id, { height: video.height, width: video.width });
  const videoIds = [...videos.keys()].sort((a, b) => a - b);
  const videoIndex = new Map(videoIds.map((id, i) => [id, i]));
  const selection = selectCategories(gt.categories, options.categoryIds, gtFile);
  const K = selection.categories.length;

  // (video index * K + category index) → annotation / result indices, in file order.
  const gtByCell = groupBy(gt.annotations, (ann, i) => {
    const k = selection.indexOf.get(ann.category_id);
    if (k === undefined) return undefined;
    checkGroundTruth(ann, i, videos, gtFile);
    return videoIndex.get(ann.video_id)! * K + k;
  });
  const dtByCell = groupBy(results, (res, i) => {
    // Like the official loader, refuse results for videos the ground truth lacks, whatever the category.
    const v = videoIndex.get(res.video_id);
    if (v === undefined) {
      throw new PointvisDataError(`video_id ${res.video_id} is not a video of the ground truth`, {
        file: resultsFile,
        field: `[${i}].video_id`,
        index: i,
      });
    }
    const k = selection.indexOf.get(res.category_id);
    if (k === undefined) return undefined;
    checkResult(res, i, resultsFile);
    return v * K + k;
  });

  const cellsPerCategory: EvalCell[][] = [];
  for (let k = 0; k < K; k++) {
    const cells: EvalCell[] = [];
    for (let v = 0; v < videoIds.length; v++) {
      const gtIndices = gtByCell.get(v * K + k) ?? [];
      const dtIndices = dtByCell.get(v * K + k) ?? [];
      if (gtIndices.length === 0 && dtIndices.length === 0) continue;
      const size = videos.get(videoIds[v])!;
      cells.push(buildCell(gt.annotations, gtIndices, results, dtIndices, size, gtFile, resultsFile));
    }
    cellsPerCategory.push(cells);
  }
  return summarize(accumulate(cellsPerCategory, YTVIS_PROTOCOL), YTVIS_PROTOCOL, selection.categories);
}

function groupBy<T>(
  items: readonly T[],
  key: (item: T, index: number) => number | undefined,
): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  items.forEach((item, i) => {
    const k = key(item, i);
    if (k === undefined) return;
    const list = groups.get(k);
    if (list) list.push(i);
    else groups.set(k, [i]);
  });
  return groups;
}

function buildCell(
  annotations: readonly YtvisAnnotation[],
  gtIndices: readonly number[],
  results: readonly YtvisResult[],
  dtIndices: readonly number[],
  size: VideoFrameSize,
  gtFile: string,
  resultsFile: string,
): EvalCell {
  const G = gtIndices.length;
  const gtCrowd = new Uint8Array(G);
  const gtArea = new Float64Array(G);
  const gtFrames = gtIndices.map((index, g) => {
    const ann = annotations[index];
    gtCrowd[g] = ann.iscrowd ? 1 : 0;
    gtArea[g] = meanOfTruthy(ann.areas!);
    return readFrames(ann.segmentations!, size, gtFile, `annotations[${index}].segmentations`, index);
  });

  // Highest scores first (stable), at most maxDets[-1] per video and category.
  const maxDet = YTVIS_PROTOCOL.maxDets[YTVIS_PROTOCOL.maxDets.length - 1];
  const kept = orderByScoreDescending(dtIndices.map((i) => results[i].score))
    .slice(0, maxDet)
    .map((j) => dtIndices[j]);
  const D = kept.length;
  const dtScore = new Float64Array(D);
  const dtArea = new Float64Array(D);
  const ious = new Float64Array(D * G);
  kept.forEach((index, d) => {
    const res = results[index];
    const frames = readFrames(res.segmentations, size, resultsFile, `[${index}].segmentations`, index);
    dtScore[d] = res.score;
    dtArea[d] = meanOfTruthy(frames.map((frame) => (frame === null ? null : frame.area)));
    for (let g = 0; g < G; g++) ious[d * G + g] = videoIou(frames, gtFrames[g]);
  });
  return { gtCrowd, gtArea, dtScore, dtArea, ious };
}

function readFrames(
  segmentations: readonly unknown[],
  size: VideoFrameSize,
  file: string,
  field: string,
  index: number,
): (FrameMask | null)[] {
  return segmentations.map((seg, f) =>
    isAbsentSegmentation(seg)
      ? null
      : readSegmentation(seg, size.height, size.width, { file, field: `${field}[${f}]`, index }),
  );
}

/** Mean of the entries Python would keep in `[a for a in areas if a]`; 0 when none remain. */
function meanOfTruthy(values: readonly (number | null)[]): number {
  const kept = values.filter((v): v is number => v !== null && v !== 0);
  return kept.length === 0 ? 0 : numpyMean(kept);
}

function checkGroundTruth(
  ann: YtvisAnnotation,
  i: number,
  videos: Map<number, VideoFrameSize>,
  file: string,
): void {
  const where = (field: string) => ({ file, field: `annotations[${i}].${field}`, index: i });
  if (!videos.has(ann.video_id)) {
    throw new PointvisDataError(`video_id ${ann.video_id} is not in "videos"`, where('video_id'));
  }
  if (!Array.isArray(ann.areas)) {
    throw new PointvisDataError(
      'ground truth for evaluation needs per-frame "areas" (a list of numbers / null)',
      where('areas'),
    );
  }
  ann.areas.forEach((a, f) => {
    if (a !== null && (typeof a !== 'number' || !Number.isFinite(a))) {
      throw new PointvisDataError(`area ${JSON.stringify(a)} is not a number or null`, where(`areas[${f}]`));
    }
  });
  if (ann.iscrowd === undefined || ann.iscrowd === null) {
    throw new PointvisDataError('ground truth for evaluation needs "iscrowd" (0 or 1)', where('iscrowd'));
  }
  if (!Array.isArray(ann.segmentations)) {
    throw new PointvisDataError(
      'ground truth for evaluation needs per-frame "segmentations"',
      where('segmentations'),
    );
  }
}

function checkResult(res: YtvisResult, i: number, file: string): void {
  const where = (field: string) => ({ file, field: `[${i}].${field}`, index: i });
  if (typeof res.score !== 'number' || !Number.isFinite(res.score)) {
    throw new PointvisDataError(`score ${JSON.stringify(res.score)} is not a finite number`, where('score'));
  }
  if (!Array.isArray(res.segmentations)) {
    throw new PointvisDataError(
      'result needs a "segmentations" list (one entry per frame)',
      where('segmentations'),
    );
  }
}
