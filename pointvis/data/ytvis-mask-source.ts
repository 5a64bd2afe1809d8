import type { YtvisDataset } from '../formats/types';
import { type AnnotationInput, resolveYtvis } from './annotation-input';
import { CategoryMap } from './category-map';
import { decodeSegmentation } from './decode-target';
import type { ImageSample, MaskInstance, SampleOrigin, SampleSource } from './types';
import { frameContext, frameOrigin, readVideoFrame } from './video-frame-read';
import { type FrameEntry, type FrameSampling, type VideoObject, enumerateFrames } from './video-frames';

export interface YtvisMaskSourceOptions {
  /** A YouTube-VIS file: ground truth, or pseudo labels written in the same format. */
  annotations: AnnotationInput<YtvisDataset>;
  /** Folder the videos' `file_names` are relative to. */
  frameRoot: string;
  /** Class indices (default: built from this file's categories). */
  categories?: CategoryMap;
  /** Default 'all'. */
  frameSampling?: FrameSampling;
  /** Keep only these frames (e.g. `pointAnnotatedFrames(points)` for sparse pseudo labels). */
  keepFrames?: (videoId: number, frame: number) => boolean;
}

/**
 * Per-frame training on a YouTube-VIS-format mask file (MinVIS trains on single frames): one
 * sample per (video, frame), targets the objects whose segmentation in that frame is not null.
 * Crowd annotations are never targets.
 */
export class YtvisMaskSource implements SampleSource {
  readonly targets = 'masks' as const;
  readonly file: string;
  readonly categories: CategoryMap;
  readonly entries: readonly FrameEntry[];
  private readonly dataset: YtvisDataset;
  private readonly frameRoot: string;

  constructor(options: YtvisMaskSourceOptions) {
    const { dataset, file } = resolveYtvis(options.annotations);
    this.dataset = dataset;
    this.file = file;
    this.frameRoot = options.frameRoot;
    this.categories = options.categories ?? new CategoryMap(dataset.categories, file);
    for (const [i, annotation] of dataset.annotations.entries()) {
      if (annotation.iscrowd === 1) continue;
      this.categories.classIndex(annotation.category_id, {
        file,
        field: `annotations[${i}].category_id`,
        context: `video ${annotation.video_id}, object ${annotation.id}`,
      });
    }
    const rules = {
      annotated: () => true,
      present: (o: VideoObject, t: number) => (o.annotation.segmentations?.[t] ?? null) !== null,
    };
    this.entries = enumerateFrames(dataset, rules, options.frameSampling ?? 'all', options.keepFrames);
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
    const instances: MaskInstance[] = entry.objects.map(({ annotation, index: a }) => {
      const context = `${frameContext(video, t)}, object ${annotation.id}`;
      const segmentation = annotation.segmentations?.[t];
      if (!segmentation) throw new RangeError(`${context}: no segmentation (enumeration bug)`);
      return {
        objectId: annotation.id,
        categoryId: annotation.category_id,
        classIndex: this.categories.classIndex(annotation.category_id, {
          file: this.file,
          field: `annotations[${a}].category_id`,
          context,
        }),
        mask: decodeSegmentation(segmentation, video.height, video.width, {
          file: this.file,
          field: `annotations[${a}].segmentations[${t}]`,
          context,
        }),
      };
    });
    return {
      image: frame.data,
      height: frame.height,
      width: frame.width,
      instances,
      source: frameOrigin(video, entry, this.frameRoot, this.file),
    };
  }

  private entryAt(index: number): FrameEntry {
    const entry = this.entries[index];
    if (entry === undefined) throw new RangeError(`sample ${index} is outside 0..${this.size - 1}`);
    return entry;
  }
}
