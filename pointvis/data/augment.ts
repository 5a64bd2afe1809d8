import type { LabeledPoint } from '../formats/types';
import { Rng } from '../synth/prng';
import {
  axisOrder,
  bilinearTaps,
  nearestIndices,
  resampleMask,
  resampleRgb,
  selectIndices,
  selectTaps,
} from './resample';
import { type LsjAugment, planLsj } from './lsj';
import type { ImageSample, MaskInstance, PointObject } from './types';

/** Either ResizeShortestEdge-style augmentation or COCO large-scale jitter (`kind: 'lsj'`). */
export type AugmentConfig = ShortEdgeAugment | LsjAugment;

/**
 * Training augmentation, as detectron2's ResizeShortestEdge + optional crop + RandomFlip:
 * - `shortEdge` sizes with `shortEdgeSampling` 'choice' (one of the list) or 'range' (an integer
 *   in [shortEdge[0], shortEdge[1]]); an empty list keeps the size;
 * - `maxSize` caps the longer side after that resize;
 * - `crop`: a random `size`×`size` window (smaller sides kept whole); objects left with an
 *   empty mask (or no points) are dropped;
 * - `flip`: horizontal flip with probability 0.5.
 * Every random choice comes from (seed, epoch, index), so a sample's augmentation never depends
 * on what else was loaded.
 */
export interface ShortEdgeAugment {
  kind?: 'resize-shortest-edge';
  shortEdge: readonly number[];
  shortEdgeSampling?: 'choice' | 'range';
  maxSize?: number;
  flip?: boolean;
  crop?: { size: number } | null;
}

/** The geometry chosen for one sample. */
export interface AugmentPlan {
  /** Size after resizing, before the crop. */
  resized: [number, number];
  /** Crop window in resized coordinates (the whole image when there is no crop). */
  crop: { y: number; x: number; height: number; width: number };
  flip: boolean;
  /**
   * Canvas the crop is placed on at the top left (LSJ's FixedSizeCrop padding): image pixels
   * outside the crop get `value`, masks 0. Absent: the output is the crop.
   */
  pad?: { height: number; width: number; value: number };
}

export interface AugmentKey {
  seed: number;
  epoch: number;
  index: number;
}

/** Output size of detectron2's ResizeShortestEdge for one chosen short side. */
export function shortEdgeSize(
  height: number,
  width: number,
  short: number,
  maxSize = Infinity,
): [number, number] {
  const scale = short / Math.min(height, width);
  let h = height < width ? short : scale * height;
  let w = height < width ? scale * width : short;
  if (Math.max(h, w) > maxSize) {
    const shrink = maxSize / Math.max(h, w);
    h *= shrink;
    w *= shrink;
  }
  return [Math.max(1, Math.floor(h + 0.5)), Math.max(1, Math.floor(w + 0.5))];
}

export function planAugment(
  height: number,
  width: number,
  config: AugmentConfig,
  key: AugmentKey,
): AugmentPlan {
  const rng = Rng.fromSeed(key.seed).fork('augment', key.epoch, key.index);
  if (config.kind === 'lsj') return planLsj(height, width, config, rng);
  const short = chooseShortEdge(config, rng);
  const resized: [number, number] =
    short === null ? [height, width] : shortEdgeSize(height, width, short, config.maxSize);
  const [rh, rw] = resized;
  const cropSize = config.crop?.size;
  const ch = cropSize === undefined ? rh : Math.min(rh, cropSize);
  const cw = cropSize === undefined ? rw : Math.min(rw, cropSize);
  const y = rng.int(0, rh - ch);
  const x = rng.int(0, rw - cw);
  const flip = (config.flip ?? true) && rng.chance(0.5);
  return { resized, crop: { y, x, height: ch, width: cw }, flip };
}

function chooseShortEdge(config: ShortEdgeAugment, rng: Rng): number | null {
  const sizes = config.shortEdge;
  if (sizes.length === 0) return null;
  if ((config.shortEdgeSampling ?? 'choice') === 'choice') return rng.pick(sizes);
  if (sizes.length !== 2) throw new RangeError(`shortEdge range needs [min, max], got [${sizes.join(', ')}]`);
  return rng.int(sizes[0], sizes[1]);
}

/**
 * Applies a plan: image bilinear, masks nearest, points scaled, cropped and mirrored alike, then
 * the crop pasted on the plan's pad canvas if it has one.
 */
export function applyAugment(sample: ImageSample, plan: AugmentPlan): ImageSample {
  const { height, width } = sample;
  const [rh, rw] = plan.resized;
  const { crop } = plan;
  const rowOrder = axisOrder(crop.y, crop.height, false);
  const colOrder = axisOrder(crop.x, crop.width, plan.flip);
  const image = resampleRgb(
    sample.image,
    height,
    width,
    selectTaps(bilinearTaps(height, rh), rowOrder),
    selectTaps(bilinearTaps(width, rw), colOrder),
  );
  const rowIndex = selectIndices(nearestIndices(height, rh), rowOrder);
  const colIndex = selectIndices(nearestIndices(width, rw), colOrder);
  const canvas = plan.pad ?? { height: crop.height, width: crop.width, value: 0 };
  const instances: MaskInstance[] = [];
  for (const instance of sample.instances) {
    const mask = resampleMask(instance.mask, width, rowIndex, colIndex);
    if (mask.includes(1)) instances.push({ ...instance, mask: padTopLeft(mask, crop, canvas, 1, 0) });
  }
  const out: ImageSample = {
    image: padTopLeft(image, crop, canvas, 3, canvas.value),
    height: canvas.height,
    width: canvas.width,
    instances,
    source: sample.source,
  };
  if (sample.points) out.points = mapPointObjects(sample.points, height, width, plan);
  return out;
}

/** `data` (crop.height × crop.width × channels) at the top left of a canvas filled with `fill`. */
function padTopLeft(
  data: Uint8Array,
  crop: { height: number; width: number },
  canvas: { height: number; width: number },
  channels: number,
  fill: number,
): Uint8Array {
  if (canvas.height === crop.height && canvas.width === crop.width) return data;
  if (canvas.height < crop.height || canvas.width < crop.width) {
    throw new RangeError(
      `pad canvas ${canvas.height}×${canvas.width} is smaller than the crop ${crop.height}×${crop.width}`,
    );
  }
  const out = new Uint8Array(canvas.height * canvas.width * channels).fill(fill);
  const row = crop.width * channels;
  for (let y = 0; y < crop.height; y++)
    out.set(data.subarray(y * row, (y + 1) * row), y * canvas.width * channels);
  return out;
}

/** Point objects through the plan; points leaving the crop are dropped, then empty objects. */
export function mapPointObjects(
  objects: readonly PointObject[],
  height: number,
  width: number,
  plan: AugmentPlan,
): PointObject[] {
  const out: PointObject[] = [];
  for (const object of objects) {
    const points: LabeledPoint[] = [];
    for (const point of object.points) {
      const mapped = mapPoint(point, height, width, plan);
      if (mapped) points.push(mapped);
    }
    if (points.length > 0) out.push({ ...object, points });
  }
  return out;
}

/** One point through resize, crop and flip; null when it falls outside the crop. */
export function mapPoint(
  point: LabeledPoint,
  height: number,
  width: number,
  plan: AugmentPlan,
): LabeledPoint | null {
  const [rh, rw] = plan.resized;
  const { crop } = plan;
  let x = (point[0] * rw) / width - crop.x;
  const y = (point[1] * rh) / height - crop.y;
  if (!(x >= 0 && x < crop.width && y >= 0 && y < crop.height)) return null;
  // Pixel j covers [j, j+1) and mirrors to pixel W-1-j, so x mirrors to W - x; the left edge
  // (x = 0) would land on the excluded right edge, so keep it just inside.
  if (plan.flip) x = Math.min(crop.width - x, justBelow(crop.width));
  return [x, y, point[2]];
}

function justBelow(n: number): number {
  return n - n * Number.EPSILON;
}

/** Plans and applies the augmentation of sample `key.index` in epoch `key.epoch`. */
export function augmentSample(sample: ImageSample, config: AugmentConfig, key: AugmentKey): ImageSample {
  return applyAugment(sample, planAugment(sample.height, sample.width, config, key));
}
