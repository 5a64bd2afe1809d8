import type { LabeledPoint } from '../formats/types';

/** Where a sample came from, for error messages and debugging. */
export interface SampleOrigin {
  /** The image or frame file. */
  file: string;
  /** COCO image id, or YouTube-VIS video id. */
  id: number;
  /** Frame index into the video's file_names (video samples only). */
  frame?: number;
  /** The annotation (or pseudo-label / point) file the targets came from. */
  annotations: string;
}

/** One object with a full mask target (ground truth or pseudo label). */
export interface MaskInstance {
  /** The annotation id (the track id in a YouTube-VIS file). */
  objectId: number;
  categoryId: number;
  /** Contiguous class index 0..C-1 from the source's CategoryMap. */
  classIndex: number;
  /** Row-major height×width of 0/1. */
  mask: Uint8Array;
}

/** One object with point targets in one frame (the VISP baselines). */
export interface PointObject {
  /** The annotation (track) id; for a per-frame point file, the entry's own id. */
  objectId: number;
  categoryId: number;
  classIndex: number;
  /** [x, y, label] in the sample's pixel coordinates (pixel (i, j) covers [j, j+1) × [i, i+1)). */
  points: LabeledPoint[];
}

/** A training image or video frame with its targets, on the CPU. */
export interface ImageSample {
  /** Row-major RGB, 3 bytes per pixel. */
  image: Uint8Array;
  height: number;
  width: number;
  /** Mask targets; crowd regions are never among them. Empty for point-target samples. */
  instances: MaskInstance[];
  /** Point targets; present only on samples from a point source. */
  points?: PointObject[];
  source: SampleOrigin;
}

/**
 * A dataset of training samples addressed by index 0..size-1. `load` reads and decodes (CPU
 * work: JPEG decoding, RLE decoding) and returns the sample at its original size.
 */
export interface SampleSource {
  readonly size: number;
  /** What the targets are: full masks, or points. */
  readonly targets: 'masks' | 'points';
  /** Cheap description of sample `index` (no file access). */
  describe(index: number): SampleOrigin;
  load(index: number): ImageSample;
}
