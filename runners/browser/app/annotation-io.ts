/**
 * The point-annotation JSON the CLI reads (pointvis/formats/README.md): export validates with
 * the CLI's own parser before anything is saved; import takes a tracked or per-frame file
 * through `parsePointAnnotations`, as `pointvis pseudo --points` does.
 */
import { PointvisDataError } from '../../../pointvis/errors.js';
import { parseJsonText } from '../../../pointvis/formats/json-check.js';
import type { YtvisDataset, YtvisVideo } from '../../../pointvis/formats/types.js';
import { parseYtvis } from '../../../pointvis/formats/ytvis-parse.js';
import { parsePointAnnotations } from '../../../pointvis/pseudo/points-parse.js';
import type { AnnotationState, AnnotationStore } from './annotations';

/** The annotations of the loaded video as a tracked point-annotation file, validated. */
export function annotationDataset(store: AnnotationStore, video: YtvisVideo, fileName: string): YtvisDataset {
  const dataset: YtvisDataset = {
    info: { description: 'point annotations from the pointvis browser app' },
    videos: [video],
    categories: store.state.categories.map((c) => ({ ...c })),
    annotations: store.toAnnotations(video.id),
  };
  return parseYtvis(dataset, fileName);
}

export function annotationJson(store: AnnotationStore, video: YtvisVideo, fileName: string): string {
  return `${JSON.stringify(annotationDataset(store, video, fileName))}\n`;
}

/** The file's video that is the loaded one: same size and length (the same file names preferred). */
function matchingVideo(dataset: YtvisDataset, loaded: YtvisVideo, fileName: string): YtvisVideo {
  const fits = dataset.videos.filter(
    (v) => v.width === loaded.width && v.height === loaded.height && v.length === loaded.length,
  );
  const same = fits.find((v) => v.file_names.every((name, t) => name === loaded.file_names[t]));
  const chosen = same ?? fits[0];
  if (chosen === undefined) {
    const listed = dataset.videos.map((v) => `${v.width}×${v.height}×${v.length}`).join(', ') || 'none';
    throw new PointvisDataError(
      `no video of the file fits the loaded video (${loaded.width}×${loaded.height}, ${loaded.length} frames); ` +
        `its videos are ${listed} (width×height×frames)`,
      { file: fileName, field: 'videos' },
    );
  }
  return chosen;
}

/** Reads a point-annotation file for the loaded video: its categories and that video's objects. */
export function importAnnotations(text: string, fileName: string, loaded: YtvisVideo): AnnotationState {
  const { dataset } = parsePointAnnotations(parseJsonText(text, fileName), fileName);
  const video = matchingVideo(dataset, loaded, fileName);
  const objects = dataset.annotations
    .filter((a) => a.video_id === video.id && a.iscrowd !== 1)
    .map((a) => {
      const name = (a as { name?: unknown }).name;
      return {
        id: a.id,
        name: typeof name === 'string' && name.trim() !== '' ? name : `object ${a.id}`,
        categoryId: a.category_id,
        points: a.points ?? new Array<null>(video.length).fill(null),
      };
    });
  return { categories: dataset.categories.map((c) => ({ ...c })), objects };
}
