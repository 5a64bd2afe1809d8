import type { CocoAnnotation, CocoDataset, CocoImage, CocoResult, Segmentation } from './types';
import { checkSegmentation } from '../rle';
import { writeJsonAtomic } from '../io/atomic-write';
import { parseDatasetSkeleton } from './dataset-skeleton';
import { parseBox } from './ytvis';
import { parseResultRle } from './rle-field';
import {
  JsonPath,
  MAX_FRAME_SIDE,
  expectArray,
  expectInteger,
  expectNumber,
  expectObject,
  expectString,
  expectZeroOrOne,
  readJsonFile,
} from './json-path';

/** Validates a COCO instances file (images, annotations, categories); unknown fields are kept. */
export function parseCoco(json: unknown, file: string): CocoDataset {
  const parsed = parseDatasetSkeleton(
    json,
    file,
    { key: 'images', kind: 'image', parse: parseImage },
    parseAnnotation,
  );
  const dataset: CocoDataset = {
    ...parsed.top,
    images: parsed.items,
    annotations: parsed.annotations,
    categories: parsed.categories,
  };
  if (parsed.info !== undefined) dataset.info = parsed.info;
  if (parsed.licenses !== undefined) dataset.licenses = parsed.licenses;
  return dataset;
}

function parseImage(value: unknown, path: JsonPath): CocoImage {
  const record = expectObject(value, path);
  return {
    ...record,
    id: expectInteger(record.id, path.key('id')),
    width: expectInteger(record.width, path.key('width'), 1, MAX_FRAME_SIDE),
    height: expectInteger(record.height, path.key('height'), 1, MAX_FRAME_SIDE),
    file_name: expectString(record.file_name, path.key('file_name')),
  };
}

function parseAnnotation(
  value: unknown,
  path: JsonPath,
  imageOf: (id: number) => CocoImage | undefined,
  categoryById: Map<number, number>,
): CocoAnnotation {
  const record = expectObject(value, path);
  const imageId = expectInteger(record.image_id, path.key('image_id'));
  const image = imageOf(imageId);
  if (image === undefined) return path.key('image_id').fail(`no image has id ${imageId}`);
  const categoryId = expectInteger(record.category_id, path.key('category_id'));
  if (!categoryById.has(categoryId)) path.key('category_id').fail(`no category has id ${categoryId}`);
  checkSegmentation(record.segmentation, image.height, image.width, path.key('segmentation').where());
  return {
    ...record,
    id: expectInteger(record.id, path.key('id')),
    image_id: imageId,
    category_id: categoryId,
    segmentation: record.segmentation as Segmentation,
    area: expectNumber(record.area, path.key('area'), 0),
    bbox: parseBox(record.bbox, path.key('bbox')),
    iscrowd: expectZeroOrOne(record.iscrowd, path.key('iscrowd')),
  };
}

/** A COCO instance-segmentation results file: [{image_id, category_id, score, segmentation}]. */
export function parseCocoResults(json: unknown, file: string, dataset?: CocoDataset): CocoResult[] {
  const root = new JsonPath(file);
  const imageIds = dataset === undefined ? undefined : new Set(dataset.images.map((im) => im.id));
  return expectArray(json, root).map((item, i) => {
    const path = root.at(i);
    const record = expectObject(item, path);
    const imageId = expectInteger(record.image_id, path.key('image_id'));
    if (imageIds !== undefined && !imageIds.has(imageId))
      path.key('image_id').fail(`no image has id ${imageId}`);
    return {
      ...record,
      image_id: imageId,
      category_id: expectInteger(record.category_id, path.key('category_id')),
      score: expectNumber(record.score, path.key('score')),
      segmentation: parseResultRle(record.segmentation, path.key('segmentation')),
    };
  });
}

export function loadCoco(path: string): CocoDataset {
  return parseCoco(readJsonFile(path), path);
}

export function saveCoco(path: string, dataset: CocoDataset): void {
  parseCoco(dataset, path);
  writeJsonAtomic(path, dataset);
}

export function loadCocoResults(path: string, dataset?: CocoDataset): CocoResult[] {
  return parseCocoResults(readJsonFile(path), path, dataset);
}

export function saveCocoResults(path: string, results: CocoResult[]): void {
  parseCocoResults(results, path);
  writeJsonAtomic(path, results);
}
