/**
 * Mask2Former instance inference (maskformer_model.py `instance_inference` after
 * `sem_seg_postprocess`), per image:
 *  - scores = softmax(class logits)[:, :-1] over Q × K, the top-k (detectionsPerImage) of them;
 *    label = index mod K, query = index div K;
 *  - the query's mask logits resized bilinearly to the padded input, cropped to the image, resized
 *    to the original size; the mask is logit > 0;
 *  - score = class probability × mean sigmoid inside the mask (sum / (area + 1e-6)).
 * Results are COCO entries with compressed RLE masks.
 */
import {
  type Tensor,
  Tensor as TensorClass,
  add,
  div,
  gt,
  indexSelect,
  mul,
  noGrad,
  packProposalMasks,
  reshape,
  select,
  sigmoid,
  slice,
  softmax,
  sum,
  tensor,
  tidy,
  tidyAsync,
  wordsPerRow,
  writeInto,
} from '../../engine/index.js';
import type { CocoResult } from '../../pointvis/formats/types.js';
import { compressRle, encodeMask } from '../../pointvis/rle/index.js';
import { type ResizeOptions, forEachResizedChunk } from '../minvis/resize.js';
import { topkPicks } from '../minvis/scoring.js';

/** Where an image sat in the batch and what it is. All sizes [height, width]. */
export interface ImageInferenceInput {
  /** The COCO image id of the results. */
  imageId: number;
  /** The resized image inside the padded network input, before padding. */
  imageSize: readonly [number, number];
  /** The original image size: masks are returned at this size. */
  outputSize: readonly [number, number];
}

export interface InstanceInferenceOptions extends ResizeOptions {
  /** Instances kept per image (`TEST.DETECTIONS_PER_IMAGE`, 100). */
  detectionsPerImage?: number;
  /** Dataset category id of contiguous class k (default k + 1). */
  categoryIds?: readonly number[];
}

/** One image's instances before encoding: masks as packed bits [k, H, ⌈W/32⌉]. */
export interface ImageInstances {
  scores: Float32Array;
  labels: Int32Array;
  queries: Int32Array;
  height: number;
  width: number;
  maskBits: Uint32Array;
}

const MASK_SCORE_EPS = 1e-6;

/**
 * The instances of image b of a batch's last prediction: `predLogits` [B, Q, K+1], `predMasks`
 * [B, Q, h, w] at stride 4 of the padded input `inputSize`. Three readbacks (class
 * probabilities, mask scores, mask bits).
 */
export async function imageInstances(
  prediction: { readonly predLogits: Tensor; readonly predMasks: Tensor },
  b: number,
  inputSize: readonly [number, number],
  image: Omit<ImageInferenceInput, 'imageId'>,
  options: InstanceInferenceOptions = {},
): Promise<ImageInstances> {
  const { predLogits, predMasks } = prediction;
  const classes = predLogits.shape[2]! - 1;
  const [height, width] = image.outputSize;
  const geometry = { inputSize, imageSize: image.imageSize, outputSize: image.outputSize };
  // Every op runs inside a synchronous noGrad (nothing here is differentiated); the awaits sit between.
  const probs = await tidyAsync(
    async () =>
      noGrad(() =>
        slice(softmax(select(predLogits, 0, b), -1), 1, 0, classes),
      ).data() as Promise<Float32Array>,
  );
  const picks = topkPicks(probs, classes, options.detectionsPerImage ?? 100);
  const k = picks.queries.length;
  if (k === 0) return { ...picks, height, width, maskBits: new Uint32Array(0) };
  const [, , h, w] = predMasks.shape as [number, number, number, number];
  const [bits, maskScores] = noGrad(() =>
    tidy(() => {
      const chosen = reshape(indexSelect(select(predMasks, 0, b), 0, tensor(picks.queries, [k], 'i32')), [
        k,
        1,
        h,
        w,
      ]);
      const packed = TensorClass.empty([k, 1, height, wordsPerRow(width)], 'u32');
      const scores = TensorClass.empty([k], 'f32');
      forEachResizedChunk(
        chosen,
        geometry,
        [height, width],
        (chunk, n0) => {
          const n = chunk.shape[0]!;
          const inside = gt(chunk, 0); // f32 0/1
          const area = sum(inside, [1, 2, 3]);
          const score = div(sum(mul(sigmoid(chunk), inside), [1, 2, 3]), add(area, MASK_SCORE_EPS));
          writeInto(slice(scores, 0, n0, n0 + n), score);
          writeInto(slice(packed, 0, n0, n0 + n), packProposalMasks(chunk, 0).bits);
        },
        options,
      );
      return [packed, scores];
    }),
  );
  try {
    const maskScore = (await maskScores!.data()) as Float32Array;
    const maskBits = (await bits!.data()) as Uint32Array;
    const scores = Float32Array.from(picks.scores, (s, i) => s * maskScore[i]!);
    return { scores, labels: picks.labels, queries: picks.queries, height, width, maskBits };
  } finally {
    bits!.dispose();
    maskScores!.dispose();
  }
}

/** Row-major 0/1 mask i of packed bits [k, H, ⌈W/32⌉]. */
export function unpackMask(instances: ImageInstances, i: number): Uint8Array {
  const { height, width, maskBits } = instances;
  const ww = wordsPerRow(width);
  const mask = new Uint8Array(height * width);
  const base = i * height * ww;
  for (let y = 0; y < height; y++) {
    const row = base + y * ww;
    for (let x = 0; x < width; x++) mask[y * width + x] = (maskBits[row + (x >>> 5)]! >>> (x & 31)) & 1;
  }
  return mask;
}

/** COCO results entries of one image's instances. */
export function cocoResults(
  instances: ImageInstances,
  imageId: number,
  categoryIds?: readonly number[],
): CocoResult[] {
  return Array.from(instances.labels, (label, i) => {
    const categoryId = categoryIds === undefined ? label + 1 : categoryIds[label];
    if (categoryId === undefined) throw new RangeError(`cocoResults: no category id for class ${label}`);
    return {
      image_id: imageId,
      category_id: categoryId,
      score: instances.scores[i]!,
      segmentation: compressRle(encodeMask(unpackMask(instances, i), instances.height, instances.width)),
    };
  });
}

/**
 * COCO results of every image of a batch from the model's output: `images[b]` describes image b,
 * `inputSize` is the padded network input [Hp, Wp] (the images tensor's last two dims).
 */
export async function instanceInference(
  prediction: { readonly predLogits: Tensor; readonly predMasks: Tensor },
  images: readonly ImageInferenceInput[],
  inputSize: readonly [number, number],
  options: InstanceInferenceOptions = {},
): Promise<CocoResult[]> {
  const batch = prediction.predLogits.shape[0]!;
  if (images.length !== batch) {
    throw new RangeError(`instanceInference: ${images.length} image descriptions for a batch of ${batch}`);
  }
  const out: CocoResult[] = [];
  for (const [b, image] of images.entries()) {
    const instances = await imageInstances(prediction, b, inputSize, image, options);
    out.push(...cocoResults(instances, image.imageId, options.categoryIds));
  }
  return out;
}
