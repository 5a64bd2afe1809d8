import type { ImageSample, SampleOrigin } from './types';

export interface CollateOptions {
  /** Per RGB channel, in 0–255 units. */
  pixelMean: readonly [number, number, number] | readonly number[];
  pixelStd: readonly [number, number, number] | readonly number[];
  /** Pad height and width up to a multiple of this (Mask2Former: 32). */
  sizeDivisibility: number;
  /** Pad every batch to exactly this [height, width] instead (fixed-size crop training). */
  fixedSize?: [number, number];
}

/** ImageNet statistics in RGB order, as Mask2Former's Swin configs use. */
export const IMAGENET_COLLATE: CollateOptions = {
  pixelMean: [123.675, 116.28, 103.53],
  pixelStd: [58.395, 57.12, 57.375],
  sizeDivisibility: 32,
};

/** Point targets of one image, flattened over its objects. */
export interface HostPoints {
  /** [P, 2]: x, y in pixels of the (unpadded) augmented image; padding is bottom/right so they hold in the padded one too. */
  xy: Float32Array;
  /** [P]: 1 positive, 0 negative. */
  labels: Int32Array;
  /** [P]: which object (row of `labels` of the target) the point belongs to. */
  objects: Int32Array;
}

export interface HostTarget {
  /** [n]: class index of each object. */
  labels: Int32Array;
  /** [n, Hp, Wp] of 0/1, zero on the padding; null for point targets. */
  masks: Float32Array | null;
  points: HostPoints | null;
  objectIds: number[];
  categoryIds: number[];
}

/** A batch assembled on the CPU, ready to upload: one typed array per tensor. */
export interface HostBatch {
  size: number;
  /** Padded height and width (Hp, Wp). */
  height: number;
  width: number;
  /** [B, 3, Hp, Wp]: (pixel − mean) / std, then zero padding. */
  images: Float32Array;
  /** [h, w] of each image before padding. */
  imageSizes: [number, number][];
  targets: HostTarget[];
  sources: SampleOrigin[];
}

const roundUp = (n: number, k: number) => Math.ceil(n / k) * k;

/** The padded size of a batch. */
export function paddedSize(samples: readonly ImageSample[], options: CollateOptions): [number, number] {
  const maxH = Math.max(...samples.map((s) => s.height));
  const maxW = Math.max(...samples.map((s) => s.width));
  if (options.fixedSize) {
    const [fh, fw] = options.fixedSize;
    if (maxH > fh || maxW > fw) {
      throw new RangeError(`a ${maxH}×${maxW} image does not fit the fixed batch size ${fh}×${fw}`);
    }
    return [fh, fw];
  }
  const k = Math.max(1, options.sizeDivisibility);
  return [roundUp(maxH, k), roundUp(maxW, k)];
}

/** Normalises, pads and packs samples into typed arrays (no GPU needed). */
export function assembleBatch(samples: readonly ImageSample[], options: CollateOptions): HostBatch {
  if (samples.length === 0) throw new RangeError('cannot collate an empty batch');
  const [hp, wp] = paddedSize(samples, options);
  const plane = hp * wp;
  const images = new Float32Array(samples.length * 3 * plane);
  const [red, green, blue] = [0, 1, 2].map((c) =>
    normalisationTable(options.pixelMean[c], options.pixelStd[c]),
  );
  samples.forEach((sample, b) => {
    const { height, width, image } = sample;
    // One pass over the interleaved bytes, writing the three planes.
    for (let y = 0; y < height; y++) {
      const r = b * 3 * plane + y * wp;
      const g = r + plane;
      const bl = g + plane;
      for (let x = 0, p = y * width * 3; x < width; x++, p += 3) {
        images[r + x] = red[image[p]];
        images[g + x] = green[image[p + 1]];
        images[bl + x] = blue[image[p + 2]];
      }
    }
  });
  return {
    size: samples.length,
    height: hp,
    width: wp,
    images,
    imageSizes: samples.map((s) => [s.height, s.width]),
    targets: samples.map((s) => sampleTarget(s, hp, wp)),
    sources: samples.map((s) => s.source),
  };
}

function normalisationTable(mean: number | undefined, std: number | undefined): Float32Array {
  if (mean === undefined || std === undefined || !(std !== 0)) {
    throw new RangeError(`pixelMean and pixelStd need 3 values with std ≠ 0, got ${mean} / ${std}`);
  }
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v - mean) / std;
  return table;
}

function sampleTarget(sample: ImageSample, hp: number, wp: number): HostTarget {
  if (sample.points) {
    const objects = sample.points;
    const count = objects.reduce((n, o) => n + o.points.length, 0);
    const xy = new Float32Array(count * 2);
    const labels = new Int32Array(count);
    const owner = new Int32Array(count);
    let p = 0;
    objects.forEach((object, k) => {
      for (const [x, y, label] of object.points) {
        xy[2 * p] = x;
        xy[2 * p + 1] = y;
        labels[p] = label;
        owner[p++] = k;
      }
    });
    return {
      labels: Int32Array.from(objects, (o) => o.classIndex),
      masks: null,
      points: { xy, labels, objects: owner },
      objectIds: objects.map((o) => o.objectId),
      categoryIds: objects.map((o) => o.categoryId),
    };
  }
  const { instances, height, width } = sample;
  const plane = hp * wp;
  const masks = new Float32Array(instances.length * plane);
  instances.forEach((instance, k) => {
    const { mask } = instance;
    if (mask.length !== height * width) {
      throw new RangeError(
        `object ${instance.objectId} of ${sample.source.file}: mask has ${mask.length} pixels, the image ${height}×${width}`,
      );
    }
    // TypedArray.set converts bytes to floats natively, a row at a time.
    for (let y = 0; y < height; y++) masks.set(mask.subarray(y * width, (y + 1) * width), k * plane + y * wp);
  });
  return {
    labels: Int32Array.from(instances, (i) => i.classIndex),
    masks,
    points: null,
    objectIds: instances.map((i) => i.objectId),
    categoryIds: instances.map((i) => i.categoryId),
  };
}
