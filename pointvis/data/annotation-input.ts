import type { CocoDataset, PointFramesDataset, YtvisDataset } from '../formats/types';
import { addTrackIds, loadCoco, loadYtvis, parsePointFrames, parseYtvis, readJsonFile } from '../formats';

/** An annotation file given by path, or already loaded (then `file` names it in errors). */
export type AnnotationInput<D> = string | { dataset: D; file: string };

export function resolveCoco(input: AnnotationInput<CocoDataset>): { dataset: CocoDataset; file: string } {
  return typeof input === 'string' ? { dataset: loadCoco(input), file: input } : input;
}

export function resolveYtvis(input: AnnotationInput<YtvisDataset>): { dataset: YtvisDataset; file: string } {
  return typeof input === 'string' ? { dataset: loadYtvis(input), file: input } : input;
}

/**
 * A point-annotation file, tracked (`annotations` with `points`) or per frame (`point_frames`);
 * per-frame entries become one-frame tracks whose ids are the entries' ids.
 */
export function resolvePoints(input: AnnotationInput<YtvisDataset | PointFramesDataset>): {
  dataset: YtvisDataset;
  file: string;
  perFrame: boolean;
} {
  if (typeof input !== 'string') {
    const { dataset, file } = input;
    if ('point_frames' in dataset) return { dataset: addTrackIds(dataset), file, perFrame: true };
    return { dataset, file, perFrame: false };
  }
  const json = readJsonFile(input);
  const perFrame = typeof json === 'object' && json !== null && 'point_frames' in json;
  return {
    dataset: perFrame ? addTrackIds(parsePointFrames(json, input)) : parseYtvis(json, input),
    file: input,
    perFrame,
  };
}
