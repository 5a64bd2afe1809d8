import type { LabeledPoint, YtvisAnnotation, YtvisDataset, YtvisVideo } from '../formats/types';
import { PointvisDataError } from '../errors';
import { decodeMask, toRle } from '../rle';
import { Rng } from '../synth/prng';
import {
  dtPositives,
  maskBox,
  randomPositives,
  sampleNegatives,
  type NegativeRule,
  type NegativeSource,
  type PositiveRule,
} from './sample';
import type { PointScheme } from './schemes';
import { subsampleFrames } from './subsample';

/**
 * Simulated clicks for a YouTube-VIS ground truth: on each video's annotated frames (MinVIS's
 * subsampling rule), every object present gets the scheme's positives and negatives, placed at
 * pixel centres. `points[t]` is null on frames not annotated and [] on annotated frames where
 * the object is absent (an annotator sees it is not there). Masks, areas and boxes are dropped
 * unless `keepMasks`, so nothing downstream can learn from more than the points.
 */
export interface PointOptions {
  scheme: PointScheme;
  positive: PositiveRule;
  negative: NegativeRule;
  /** Fraction of each video's frames annotated, 0 < ratio ≤ 1. */
  frameRatio: number;
  seed: number;
  keepMasks: boolean;
}

export interface PointSummary {
  videos: number;
  objects: number;
  /** Video frames chosen for annotation (all videos). */
  framesSelected: number;
  /** (object, chosen frame) pairs where the object is present and got points. */
  objectFramesAnnotated: number;
  /** (object, chosen frame) pairs where the object is absent: points []. */
  objectFramesAbsent: number;
  positives: number;
  negatives: number;
  negativesBySource: Record<NegativeSource, number>;
  /** Negatives not from the requested rule (its candidates ran out). */
  fallbackNegatives: number;
  /** Points that reuse a pixel of the same object and frame (the mask or background was too small). */
  repeatedPoints: number;
  /** Negatives not placed at all (the mask covers the whole frame). */
  missingNegatives: number;
}

export const POINTS_GENERATOR = 'pointvis points';

export function annotatePoints(
  dataset: YtvisDataset,
  options: PointOptions,
  file = '(in-memory dataset)',
): { dataset: YtvisDataset; summary: PointSummary } {
  const videoById = new Map<number, YtvisVideo>(dataset.videos.map((v) => [v.id, v]));
  const framesOf = new Map<number, number[]>(
    dataset.videos.map((v) => [v.id, subsampleFrames(v.length, options.frameRatio)]),
  );
  const root = Rng.fromSeed(options.seed);
  const summary = emptySummary(dataset.videos.length);
  for (const frames of framesOf.values()) summary.framesSelected += frames.length;

  const annotations = dataset.annotations.map((annotation, a): YtvisAnnotation => {
    const video = videoById.get(annotation.video_id);
    const where = { file, field: `annotations[${a}]`, index: a };
    if (video === undefined) throw new PointvisDataError(`no video has id ${annotation.video_id}`, where);
    const { segmentations } = annotation;
    if (segmentations === undefined) {
      throw new PointvisDataError('simulating points needs ground-truth `segmentations`', where);
    }
    const points: (LabeledPoint[] | null)[] = new Array(video.length).fill(null);
    for (const t of framesOf.get(video.id) ?? []) {
      const seg = segmentations[t] ?? null;
      const mask =
        seg === null
          ? null
          : decodeMask(
              toRle(seg, video.height, video.width, {
                ...where,
                field: `annotations[${a}].segmentations[${t}]`,
              }),
            );
      points[t] = framePoints(mask, video, options, root.fork('points', annotation.id, t), summary);
    }
    summary.objects++;
    if (options.keepMasks) return { ...annotation, points };
    const { segmentations: _s, areas: _a, bboxes: _b, ...rest } = annotation;
    return { ...rest, points };
  });

  const info = {
    ...dataset.info,
    point_annotation: {
      generator: POINTS_GENERATOR,
      scheme: options.scheme.name,
      positives: options.scheme.positives,
      negatives: options.scheme.negatives,
      positive_rule: options.positive,
      negative_rule: options.negative,
      frame_ratio: options.frameRatio,
      seed: options.seed,
      masks_kept: options.keepMasks,
    },
  };
  return { dataset: { ...dataset, info, annotations }, summary };
}

/** Points of one object on one chosen frame; [] when absent (no mask or an empty one). */
function framePoints(
  mask: Uint8Array | null,
  video: YtvisVideo,
  options: PointOptions,
  rng: Rng,
  summary: PointSummary,
): LabeledPoint[] {
  const box = mask === null ? null : maskBox(mask, video.height, video.width);
  if (mask === null || box === null) {
    summary.objectFramesAbsent++;
    return [];
  }
  const { width, height } = video;
  const { positives, negatives } = options.scheme;
  const pos =
    options.positive === 'dt'
      ? dtPositives(mask, height, width, positives)
      : randomPositives(mask, positives, rng.fork('positive'));
  const neg = sampleNegatives(mask, height, width, box, options.negative, negatives, rng.fork('negative'));
  summary.objectFramesAnnotated++;
  summary.positives += pos.pixels.length;
  summary.negatives += neg.pixels.length;
  summary.repeatedPoints += pos.repeated + neg.repeated;
  summary.missingNegatives += neg.missing;
  for (const source of neg.sources) {
    summary.negativesBySource[source]++;
    if (source !== options.negative) summary.fallbackNegatives++;
  }
  const at = (p: number, label: 0 | 1): LabeledPoint => [
    (p % width) + 0.5,
    Math.floor(p / width) + 0.5,
    label,
  ];
  return [...pos.pixels.map((p) => at(p, 1)), ...neg.pixels.map((p) => at(p, 0))];
}

function emptySummary(videos: number): PointSummary {
  return {
    videos,
    objects: 0,
    framesSelected: 0,
    objectFramesAnnotated: 0,
    objectFramesAbsent: 0,
    positives: 0,
    negatives: 0,
    negativesBySource: { inbox: 0, outbox: 0, frame: 0 },
    fallbackNegatives: 0,
    repeatedPoints: 0,
    missingNegatives: 0,
  };
}
