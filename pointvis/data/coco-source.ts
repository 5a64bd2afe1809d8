import { resolve } from 'node:path';
import type { CocoAnnotation, CocoDataset, CocoImage } from '../formats/types';
import { type AnnotationInput, resolveCoco } from './annotation-input';
import { CategoryMap } from './category-map';
import { decodeSegmentation } from './decode-target';
import { readSampleImage } from './read-image';
import type { ImageSample, MaskInstance, SampleOrigin, SampleSource } from './types';

export interface CocoSourceOptions {
  annotations: AnnotationInput<CocoDataset>;
  /** Folder the images' `file_name`s are relative to. */
  imageRoot: string;
  /** Class indices (default: built from this file's categories). */
  categories?: CategoryMap;
  /**
   * Leave out images with no non-crowd annotation (detectron2's FILTER_EMPTY_ANNOTATIONS, on by
   * default in Mask2Former's COCO training).
   */
  skipEmpty?: boolean;
}

/**
 * COCO instance segmentation, one sample per image. Crowd annotations are never targets
 * (Mask2Former drops them); an unknown category id is an error naming the annotation.
 */
export class CocoSource implements SampleSource {
  readonly targets = 'masks' as const;
  readonly file: string;
  readonly categories: CategoryMap;
  /** Kept images with their index in the file. */
  private readonly images: { image: CocoImage; index: number }[];
  /** Per kept image: its non-crowd annotations with their index in the file. */
  private readonly annotations: { annotation: CocoAnnotation; index: number }[][];
  private readonly imageRoot: string;

  constructor(options: CocoSourceOptions) {
    const { dataset, file } = resolveCoco(options.annotations);
    this.file = file;
    this.imageRoot = options.imageRoot;
    this.categories = options.categories ?? new CategoryMap(dataset.categories, file);
    const byImage = new Map<number, { annotation: CocoAnnotation; index: number }[]>();
    dataset.annotations.forEach((annotation, index) => {
      if (annotation.iscrowd === 1) return;
      this.categories.classIndex(annotation.category_id, {
        file,
        field: `annotations[${index}].category_id`,
        context: `image ${annotation.image_id}, annotation ${annotation.id}`,
      });
      const list = byImage.get(annotation.image_id) ?? [];
      list.push({ annotation, index });
      byImage.set(annotation.image_id, list);
    });
    const skipEmpty = options.skipEmpty ?? true;
    this.images = dataset.images
      .map((image, i) => ({ image, index: i }))
      .filter(({ image }) => !skipEmpty || byImage.has(image.id));
    this.annotations = this.images.map(({ image }) => byImage.get(image.id) ?? []);
  }

  get size(): number {
    return this.images.length;
  }

  describe(index: number): SampleOrigin {
    const { image } = this.imageAt(index);
    return { file: resolve(this.imageRoot, image.file_name), id: image.id, annotations: this.file };
  }

  load(index: number): ImageSample {
    const { image, index: fileIndex } = this.imageAt(index);
    const source = this.describe(index);
    const context = `image ${image.id} (${image.file_name})`;
    const frame = readSampleImage(source.file, image, {
      annotations: this.file,
      field: `images[${fileIndex}].file_name`,
      context,
    });
    const instances: MaskInstance[] = this.annotations[index].map(({ annotation, index: a }) => {
      const where = {
        file: this.file,
        field: `annotations[${a}]`,
        context: `${context}, annotation ${annotation.id}`,
      };
      return {
        objectId: annotation.id,
        categoryId: annotation.category_id,
        classIndex: this.categories.classIndex(annotation.category_id, {
          ...where,
          field: `${where.field}.category_id`,
        }),
        mask: decodeSegmentation(annotation.segmentation, image.height, image.width, {
          ...where,
          field: `${where.field}.segmentation`,
        }),
      };
    });
    return { image: frame.data, height: frame.height, width: frame.width, instances, source };
  }

  private imageAt(index: number): { image: CocoImage; index: number } {
    const image = this.images[index];
    if (image === undefined) throw new RangeError(`sample ${index} is outside 0..${this.size - 1}`);
    return image;
  }
}
