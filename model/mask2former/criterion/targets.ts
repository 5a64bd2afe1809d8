/**
 * Ground truth of a batch for the matcher and the criterion, and the index tables derived from
 * it on the host (counts are known without reading anything back from the GPU).
 */
import { ShapeError, type Tensor, concat, tensor, zeros } from '../../../engine/index.js';

export interface SetTargets {
  /** Class ids (0 … numClasses−1) of each image's objects, in the order of `masks`. */
  labels: readonly (readonly number[])[];
  /**
   * Every image's masks stacked in image order: f32 [ΣT, H, W] (0/1) at the padded input size,
   * the same H×W for the whole batch; ΣT may be 0 (images without objects).
   */
  masks: Tensor;
}

/** Stacks per-image ground truth ([T_b, H, W] masks, T_b ≥ 0) into SetTargets. */
export function stackTargets(images: readonly { labels: readonly number[]; masks: Tensor }[]): SetTargets {
  if (images.length === 0) throw new ShapeError('stackTargets: no images');
  const [, h, w] = images[0]!.masks.shape as [number, number, number];
  for (const [b, im] of images.entries()) {
    const m = im.masks;
    if (m.ndim !== 3 || m.shape[0] !== im.labels.length || m.shape[1] !== h || m.shape[2] !== w) {
      throw new ShapeError(
        `stackTargets: image ${b} masks ${m.describe()} must be [${im.labels.length}, ${h}, ${w}] (one per label, one size per batch)`,
      );
    }
  }
  const nonEmpty = images.map((im) => im.masks).filter((m) => m.shape[0]! > 0);
  return {
    labels: images.map((im) => [...im.labels]),
    masks: nonEmpty.length > 0 ? concat(nonEmpty, 0) : zeros([0, h, w]),
  };
}

/** Host-side layout of the targets of a batch. */
export interface TargetLayout {
  batch: number;
  /** Objects per image. */
  counts: number[];
  /** Index of each image's first object in the stacked masks. */
  offsets: number[];
  total: number;
  /** Largest count (the width of padded per-image tables); 0 when every image is empty. */
  maxTargets: number;
  /** Image of each stacked target [ΣT]. */
  imageOfTarget: Int32Array;
  /** Slot b·maxT + j of each stacked target [ΣT]. */
  slotOfTarget: Int32Array;
  /** Stacked target of each slot [B·maxT], −1 for padding. */
  targetOfSlot: Int32Array;
  /** Labels padded to [B, maxT] (padding 0). */
  labelsPadded: Int32Array;
}

export function targetLayout(targets: SetTargets, batch: number, numClasses: number): TargetLayout {
  const { labels, masks } = targets;
  if (labels.length !== batch) {
    throw new ShapeError(`criterion: targets for ${labels.length} images, predictions for ${batch}`);
  }
  const counts = labels.map((l) => l.length);
  const total = counts.reduce((a, b) => a + b, 0);
  if (masks.dtype !== 'f32' || masks.ndim !== 3 || masks.shape[0] !== total) {
    throw new ShapeError(
      `criterion: target masks ${masks.describe()} must be f32 [${total}, H, W] (ΣT = ${total})`,
    );
  }
  const maxTargets = Math.max(0, ...counts);
  const offsets: number[] = [];
  const imageOfTarget = new Int32Array(total);
  const slotOfTarget = new Int32Array(total);
  const targetOfSlot = new Int32Array(batch * maxTargets).fill(-1);
  const labelsPadded = new Int32Array(batch * maxTargets);
  let r = 0;
  labels.forEach((list, b) => {
    offsets.push(r);
    list.forEach((label, j) => {
      if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
        throw new ShapeError(
          `criterion: image ${b} object ${j} has label ${label}, outside [0, ${numClasses})`,
        );
      }
      imageOfTarget[r] = b;
      slotOfTarget[r] = b * maxTargets + j;
      targetOfSlot[b * maxTargets + j] = r;
      labelsPadded[b * maxTargets + j] = label;
      r++;
    });
  });
  return {
    batch,
    counts,
    offsets,
    total,
    maxTargets,
    imageOfTarget,
    slotOfTarget,
    targetOfSlot,
    labelsPadded,
  };
}

/** An i32 tensor of host indices. */
export function indexTensor(values: Int32Array | readonly number[], shape?: readonly number[]): Tensor {
  const data = values instanceof Int32Array ? values : Int32Array.from(values);
  return tensor(data, shape ?? [data.length], 'i32');
}
