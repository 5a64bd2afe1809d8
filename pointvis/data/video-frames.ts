import type { YtvisAnnotation, YtvisDataset } from '../formats/types';

/**
 * Which frames of a video dataset become samples:
 * - 'all': every annotated frame — for mask files every frame (a null segmentation means the
 *   object is absent), for point files every frame where some object has a points entry;
 * - 'non-empty': only those where at least one object is present.
 */
export type FrameSampling = 'all' | 'non-empty';

/** A video's non-crowd annotations, with their index in the file. */
export interface VideoObject {
  annotation: YtvisAnnotation;
  index: number;
}

/** One (video, frame) sample and the objects present in it. */
export interface FrameEntry {
  /** Index into the dataset's videos. */
  video: number;
  frame: number;
  objects: VideoObject[];
}

export interface FrameRules {
  /** Whether frame t carries annotation at all (an unannotated frame is no sample). */
  annotated(objects: readonly VideoObject[], t: number): boolean;
  /** Whether the object is a target in frame t. */
  present(object: VideoObject, t: number): boolean;
}

export function objectsByVideo(dataset: YtvisDataset): Map<number, VideoObject[]> {
  const byVideo = new Map<number, VideoObject[]>();
  dataset.annotations.forEach((annotation, index) => {
    if (annotation.iscrowd === 1) return;
    const list = byVideo.get(annotation.video_id) ?? [];
    list.push({ annotation, index });
    byVideo.set(annotation.video_id, list);
  });
  return byVideo;
}

/** Samples in file order: videos, then frames. `keep` further restricts frames (e.g. to those a point file annotates). */
export function enumerateFrames(
  dataset: YtvisDataset,
  rules: FrameRules,
  sampling: FrameSampling,
  keep?: (videoId: number, frame: number) => boolean,
): FrameEntry[] {
  const byVideo = objectsByVideo(dataset);
  const entries: FrameEntry[] = [];
  dataset.videos.forEach((video, v) => {
    const all = byVideo.get(video.id) ?? [];
    for (let t = 0; t < video.length; t++) {
      if (keep && !keep(video.id, t)) continue;
      if (!rules.annotated(all, t)) continue;
      const objects = all.filter((o) => rules.present(o, t));
      if (sampling === 'non-empty' && objects.length === 0) continue;
      entries.push({ video: v, frame: t, objects });
    }
  });
  return entries;
}

/**
 * The frames a point file annotates (some non-crowd object has a points entry there), as a
 * `keep` filter: pseudo labels exist only where points were, so training on a pseudo-label file
 * with sparse frames should see only those frames — elsewhere "no mask" means "not labelled".
 */
export function pointAnnotatedFrames(dataset: YtvisDataset): (videoId: number, frame: number) => boolean {
  const frames = new Set<string>();
  for (const annotation of dataset.annotations) {
    if (annotation.iscrowd === 1) continue;
    annotation.points?.forEach((points, t) => {
      if (points !== null && points !== undefined) frames.add(`${annotation.video_id}:${t}`);
    });
  }
  return (videoId, frame) => frames.has(`${videoId}:${frame}`);
}
