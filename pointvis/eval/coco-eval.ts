import { PointvisDataError } from '../errors';
import type { CocoAnnotation, CocoDataset, CocoResult } from '../formats/types';
import { rleIou } from '../rle/index';
import { accumulate } from './accumulate';
import { orderByScoreDescending, type EvalCell, type EvalProtocol } from './cell';
import { selectCategories } from './categories';
import { readSegmentation } from './frame-mask';
import { summarize, type EvalSummary } from './summarize';
import type { EvalOptions } from './ytvis-eval';

/** COCO instance segmentation protocol (official cocoeval, iouType 'segm'). */
export const COCO_PROTOCOL: EvalProtocol = {
  areaRanges: [
    [0, 1e5 ** 2],
    [0, 32 ** 2],
    [32 ** 2, 96 ** 2],
    [96 ** 2, 1e5 ** 2],
  ],
  areaLabels: ['all', 'small', 'medium', 'large'],
  maxDets: [1, 10, 100],
};

interface ImageSize {
  height: number;
  width: number;
}

/**
 * COCO mask AP / AR with the semantics of pycocotools' COCOeval: per-image IoU where a crowd
 * region's denominator is the detection's area, ground-truth sizes from the JSON `area`,
 * detection sizes measured from their masks.
 */
export function evaluateCoco(
  gt: CocoDataset,
  results: readonly CocoResult[],
  options: EvalOptions = {},
): EvalSummary {
  const gtFile = options.gtFile ?? '(ground truth)';
  const resultsFile = options.resultsFile ?? '(results)';
  const images = new Map<number, ImageSize>();
  for (const image of gt.images) images.set(image.id, { height: image.height, width: image.width });
  const imageIds = [...images.keys()].sort((a, b) => a - b);
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]));
  const selection = selectCategories(gt.categories, options.categoryIds, gtFile);
  const K = selection.categories.length;

  const gtByCell = new Map<number, number[]>();
  gt.annotations.forEach((ann, i) => {
    const k = selection.indexOf.get(ann.category_id);
    if (k === undefined) return;
    checkGroundTruth(ann, i, images, gtFile);
    pushTo(gtByCell, imageIndex.get(ann.image_id)! * K + k, i);
  });
  const dtByCell = new Map<number, number[]>();
  results.forEach((res, i) => {
    const where = (field: string) => ({ file: resultsFile, field: `[${i}].${field}`, index: i });
    // Like the official loader, refuse results for images the ground truth lacks, whatever the category.
    const v = imageIndex.get(res.image_id);
    if (v === undefined) {
      throw new PointvisDataError(
        `image_id ${res.image_id} is not an image of the ground truth`,
        where('image_id'),
      );
    }
    const k = selection.indexOf.get(res.category_id);
    if (k === undefined) return;
    if (typeof res.score !== 'number' || !Number.isFinite(res.score)) {
      throw new PointvisDataError(
        `score ${JSON.stringify(res.score)} is not a finite number`,
        where('score'),
      );
    }
    pushTo(dtByCell, v * K + k, i);
  });

  const maxDet = COCO_PROTOCOL.maxDets[COCO_PROTOCOL.maxDets.length - 1];
  const cellsPerCategory: EvalCell[][] = [];
  for (let k = 0; k < K; k++) {
    const cells: EvalCell[] = [];
    for (let v = 0; v < imageIds.length; v++) {
      const gtIndices = gtByCell.get(v * K + k) ?? [];
      const dtIndices = dtByCell.get(v * K + k) ?? [];
      if (gtIndices.length === 0 && dtIndices.length === 0) continue;
      const size = images.get(imageIds[v])!;
      const gts = gtIndices.map((i) => gt.annotations[i]);
      const gtMasks = gts.map((ann, g) =>
        readSegmentation(ann.segmentation, size.height, size.width, {
          file: gtFile,
          field: `annotations[${gtIndices[g]}].segmentation`,
          index: gtIndices[g],
        }),
      );
      const kept = orderByScoreDescending(dtIndices.map((i) => results[i].score))
        .slice(0, maxDet)
        .map((j) => dtIndices[j]);
      const dtMasks = kept.map((i) =>
        readSegmentation(results[i].segmentation, size.height, size.width, {
          file: resultsFile,
          field: `[${i}].segmentation`,
          index: i,
        }),
      );
      const crowd = gts.map((ann) => Boolean(ann.iscrowd));
      cells.push({
        gtCrowd: Uint8Array.from(crowd, (c) => (c ? 1 : 0)),
        gtArea: Float64Array.from(gts, (ann) => ann.area),
        dtScore: Float64Array.from(kept, (i) => results[i].score),
        dtArea: Float64Array.from(dtMasks, (mask) => mask.area),
        ious: rleIou(
          dtMasks.map((mask) => mask.rle),
          gtMasks.map((mask) => mask.rle),
          crowd,
        ),
      });
    }
    cellsPerCategory.push(cells);
  }
  return summarize(accumulate(cellsPerCategory, COCO_PROTOCOL), COCO_PROTOCOL, selection.categories);
}

function pushTo(groups: Map<number, number[]>, key: number, value: number): void {
  const list = groups.get(key);
  if (list) list.push(value);
  else groups.set(key, [value]);
}

function checkGroundTruth(
  ann: CocoAnnotation,
  i: number,
  images: Map<number, ImageSize>,
  file: string,
): void {
  const where = (field: string) => ({ file, field: `annotations[${i}].${field}`, index: i });
  if (!images.has(ann.image_id)) {
    throw new PointvisDataError(`image_id ${ann.image_id} is not in "images"`, where('image_id'));
  }
  if (typeof ann.area !== 'number' || !Number.isFinite(ann.area)) {
    throw new PointvisDataError('ground truth for evaluation needs a numeric "area"', where('area'));
  }
  if (ann.iscrowd === undefined || ann.iscrowd === null) {
    throw new PointvisDataError('ground truth for evaluation needs "iscrowd" (0 or 1)', where('iscrowd'));
  }
  if (ann.segmentation === undefined || ann.segmentation === null) {
    throw new PointvisDataError('ground truth for evaluation needs a "segmentation"', where('segmentation'));
  }
}
