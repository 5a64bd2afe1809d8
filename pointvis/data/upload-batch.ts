import { type AnyTypedArray, Tensor, engine } from '../../engine/index.js';
import { type CollateOptions, type HostBatch, assembleBatch } from './assemble-batch';
import type { ImageSample, SampleOrigin } from './types';

export interface BatchPoints {
  /** f32 [P, 2]: x, y in pixels. */
  xy: Tensor;
  /** i32 [P]: 1 positive, 0 negative. */
  labels: Tensor;
  /** i32 [P]: object index of each point. */
  objects: Tensor;
}

export interface BatchTarget {
  /** i32 [n]: class indices. */
  labels: Tensor;
  /** f32 [n, Hp, Wp] of 0/1 (padding 0); null for point targets. */
  masks: Tensor | null;
  points: BatchPoints | null;
  objectIds: number[];
  categoryIds: number[];
}

/** A training batch on the GPU. */
export interface Batch {
  /** f32 [B, 3, Hp, Wp]: normalised, then zero-padded. */
  images: Tensor;
  /** [h, w] of each image before padding. */
  imageSizes: [number, number][];
  targets: BatchTarget[];
  sources: SampleOrigin[];
}

/** One upload per tensor, straight from the host arrays (no extra copy). */
function upload(data: AnyTypedArray, shape: number[]): Tensor {
  const t = Tensor.empty(shape, data instanceof Float32Array ? 'f32' : 'i32');
  engine().stream.upload(t.buffer, 0, data);
  return t;
}

export function uploadBatch(host: HostBatch): Batch {
  const { size, height, width } = host;
  return {
    images: upload(host.images, [size, 3, height, width]),
    imageSizes: host.imageSizes,
    targets: host.targets.map((t) => ({
      labels: upload(t.labels, [t.labels.length]),
      masks: t.masks && upload(t.masks, [t.labels.length, height, width]),
      points: t.points && {
        xy: upload(t.points.xy, [t.points.labels.length, 2]),
        labels: upload(t.points.labels, [t.points.labels.length]),
        objects: upload(t.points.objects, [t.points.labels.length]),
      },
      objectIds: t.objectIds,
      categoryIds: t.categoryIds,
    })),
    sources: host.sources,
  };
}

/** Samples → GPU batch: CPU assembly, then one upload per tensor. */
export function collate(samples: readonly ImageSample[], options: CollateOptions): Batch {
  return uploadBatch(assembleBatch(samples, options));
}

export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  for (const t of batch.targets) {
    t.labels.dispose();
    t.masks?.dispose();
    if (t.points) {
      t.points.xy.dispose();
      t.points.labels.dispose();
      t.points.objects.dispose();
    }
  }
}
