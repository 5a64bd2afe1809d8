// COCO run-length encoded masks: codec, string form, measures, merging, IoU, polygons, validation.
export { encodeMask, decodeMask } from './codec';
export { compressRle, decompressRle } from './compress';
export { rleArea, rleBbox, rleIntersectionArea } from './measure';
export { rleMerge } from './merge';
export { rleIou } from './iou';
export { polygonsToRle, polygonPartToRle } from './polygon';
export { toRle, checkSegmentation } from './to-rle';
export type { DataWhere } from './where';
