import type { PointFramesDataset, YtvisDataset } from '../formats/types';
import { type AnnotationInput, resolvePoints } from './annotation-input';
import { CategoryMap } from './category-map';
import type { ImageSample, PointObject, SampleOrigin, SampleSource } from './types';
import { frameContext, frameOrigin, readVideoFrame } from './video-frame-read';
import { type FrameEntry, type FrameSampling, type VideoObject, enumerateFrames } from './video-frames';

export interface YtvisPointSourceOptions {
  /** A point-annotation file: tracked (`annotations` with `points`) or per frame (`point_frames`). */
  annotations: AnnotationInput<YtvisDataset | PointFramesDataset>;
  frameRoot: string;
  categories?: CategoryMap;
  /** Default 'all' (every frame some object has a points entry in). */
  frameSampling?: FrameSampling;
  keepFrames?: (videoId: number, frame: number) => boolean;
}

const pointsAt = (o: VideoObject, t: number) => o.annotation.points?.[t] ?? null;

/**
 * Per-frame point targets for the VISP baselines: one sample per annotated (video, frame), with
 * each present object's clicks, category and track id. A frame with no points entry for any
 * object is not annotated and is no sample; an object whose entry is [] is absent there.
 */
export class YtvisPointSource implements SampleSource {
  readonly targets = 'points' as const;
  readonly file: string;
  readonly categories: CategoryMap;
  readonly entries: readonly FrameEntry[];
  /** Non-crowd objects with points in no frame: never a target (the trainer warns about them). */
  readonly objectsWithoutPoints: readonly { videoId: number; objectId: number }[];
  private readonly dataset: YtvisDataset;
  private readonly frameRoot: string;
  /** `point_frames` or `annotations`: the list the error field paths point into. */
  private readonly listName: string;

  constructor(options: YtvisPointSourceOptions) {
    const { dataset, file, perFrame } = resolvePoints(options.annotations);
    this.dataset = dataset;
    this.file = file;
    this.frameRoot = options.frameRoot;
    this.listName = perFrame ? 'point_frames' : 'annotations';
    this.categories = options.categories ?? new CategoryMap(dataset.categories, file);
    for (const [i, annotation] of dataset.annotations.entries()) {
      if (annotation.iscrowd === 1) continue;
      this.categories.classIndex(annotation.category_id, {
        file,
        field: `${this.listName}[${i}].category_id`,
        context: `video ${annotation.video_id}, object ${annotation.id}`,
      });
    }
    const rules = {
      annotated: (objects: readonly VideoObject[], t: number) => objects.some((o) => pointsAt(o, t) !== null),
      present: (o: VideoObject, t: number) => (pointsAt(o, t)?.length ?? 0) > 0,
    };
    this.entries = enumerateFrames(dataset, rules, options.frameSampling ?? 'all', options.keepFrames);
    this.objectsWithoutPoints = dataset.annotations
      .filter((a) => a.iscrowd !== 1 && !(a.points ?? []).some((p) => p !== null && p.length > 0))
      .map((a) => ({ videoId: a.video_id, objectId: a.id }));
  }

  get size(): number {
    return this.entries.length;
  }

  describe(index: number): SampleOrigin {
    const entry = this.entryAt(index);
    return frameOrigin(this.dataset.videos[entry.video], entry, this.frameRoot, this.file);
  }

  load(index: number): ImageSample {
    const entry = this.entryAt(index);
    const video = this.dataset.videos[entry.video];
    const frame = readVideoFrame(video, entry, this.frameRoot, this.file);
    const t = entry.frame;
    const points: PointObject[] = entry.objects.map((o) => ({
      objectId: o.annotation.id,
      categoryId: o.annotation.category_id,
      classIndex: this.categories.classIndex(o.annotation.category_id, {
        file: this.file,
        field: `${this.listName}[${o.index}].category_id`,
        context: `${frameContext(video, t)}, object ${o.annotation.id}`,
      }),
      points: (pointsAt(o, t) ?? []).map((p) => [p[0], p[1], p[2]]),
    }));
    return {
      image: frame.data,
      height: frame.height,
      width: frame.width,
      instances: [],
      points,
      source: frameOrigin(video, entry, this.frameRoot, this.file),
    };
  }

  private entryAt(index: number): FrameEntry {
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`sample ${index} is outside 0..${this.size - 1}`);
    return entry;
  }
}
