import { roundHalfEven } from '../points/subsample';
import type { Rng } from '../synth/prng';
import type { AugmentPlan } from './augment';

/**
 * COCO large-scale jitter, as Mask2Former's `coco_instance_lsj` mapper builds it from detectron2:
 * RandomFlip (p = 0.5) → ResizeScale(minScale, maxScale, imageSize, imageSize) →
 * FixedSizeCrop((imageSize, imageSize)), which pads right/bottom with 128 (masks with 0) when the
 * resized image is smaller. The sample comes out imageSize × imageSize.
 */
export interface LsjAugment {
  kind: 'lsj';
  /** Output side (`INPUT.IMAGE_SIZE`). */
  imageSize: number;
  /** Scale range of the target side (`INPUT.MIN_SCALE`, `INPUT.MAX_SCALE`). */
  minScale: number;
  maxScale: number;
  flip?: boolean;
}

/** FixedSizeCrop's default image padding value (masks pad with 0). */
export const LSJ_PAD_VALUE = 128;

/**
 * ResizeScale's output size for one drawn scale: the image fits inside imageSize·scale on both
 * sides, aspect kept. Same float operations as detectron2 (and np.round, halves to even), so
 * sizes agree to the pixel.
 */
export function lsjResizedSize(
  height: number,
  width: number,
  imageSize: number,
  scale: number,
): [number, number] {
  const target = imageSize * scale;
  const factor = Math.min(target / height, target / width);
  return [Math.max(1, roundHalfEven(height * factor)), Math.max(1, roundHalfEven(width * factor))];
}

/**
 * Draws flip, scale and crop offset in detectron2's order. FixedSizeCrop uses one uniform for
 * both axes; as the flip came first, the horizontal offset counts from the right edge of the
 * unflipped image (the plan's crop window is in unflipped resized coordinates).
 */
export function planLsj(height: number, width: number, config: LsjAugment, rng: Rng): AugmentPlan {
  const flip = (config.flip ?? true) && rng.chance(0.5);
  const scale = rng.uniform(config.minScale, config.maxScale);
  const resized = lsjResizedSize(height, width, config.imageSize, scale);
  const [rh, rw] = resized;
  const side = config.imageSize;
  const ch = Math.min(rh, side);
  const cw = Math.min(rw, side);
  const u = rng.next();
  const y = roundHalfEven((rh - ch) * u);
  const xInFlipped = roundHalfEven((rw - cw) * u);
  const x = flip ? rw - cw - xInFlipped : xInFlipped;
  return {
    resized,
    crop: { y, x, height: ch, width: cw },
    flip,
    pad: { height: side, width: side, value: LSJ_PAD_VALUE },
  };
}
