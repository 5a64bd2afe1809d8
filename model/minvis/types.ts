import type { Tensor } from '../../engine/index.js';

/**
 * What the per-frame image model (a Mask2Former) gives for T frames of one video: the last
 * decoder layer's predictions, one row of Q queries per frame.
 */
export interface FrameOutputs {
  /** f32 [T, Q, C+1]: class logits, the last column is no-object. */
  readonly predLogits: Tensor;
  /** f32 [T, Q, h, w]: mask logits (stride 4 of the padded input, or already upsampled). */
  readonly predMasks: Tensor;
  /** f32 [T, Q, D]: the queries' embeddings (decoder_norm output), used for tracking. */
  readonly queryEmbeddings: Tensor;
}

/** FrameOutputs after tracking: row q of every frame is track q. */
export interface TrackedVideo extends FrameOutputs {
  /** i32 [T, Q]: permutation[t, q] is the query of frame t (model order) that became track q. */
  readonly permutation: Tensor;
}

/** Tracked outputs of one call plus what a later call needs to continue the tracks. */
export interface TrackedChunk extends TrackedVideo {
  /** f32 [Q, D]: L2-normalised embeddings of the last frame in track order. */
  readonly last: Tensor;
}

/**
 * Where the network's input sat relative to the video (detectron2's ImageList + sem_seg_postprocess):
 * a frame of `outputSize` was resized to `imageSize`, then zero-padded right/bottom to `inputSize`.
 * All sizes are [height, width].
 */
export interface VideoGeometry {
  /** Padded network input (a multiple of SIZE_DIVISIBILITY). */
  readonly inputSize: readonly [number, number];
  /** The resized frame inside the padded input, before padding. */
  readonly imageSize: readonly [number, number];
  /** The original video frame size. */
  readonly outputSize: readonly [number, number];
}

/** One video's top-k instances, masks on the CPU as packed bits. */
export interface VideoInstances {
  /** Class probability of each instance, highest first. */
  readonly scores: Float32Array;
  /** Contiguous class index 0..C-1 (index % C over queries × classes). */
  readonly labels: Int32Array;
  /** The track (query) each instance came from. */
  readonly queries: Int32Array;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  /**
   * u32 [k, T, height, ceil(width/32)]: pixel (y, x) of instance i in frame t is bit x & 31 of
   * word x >> 5 of its row (the matcher's layout, engine `packProposalMasks`); set where the
   * resized mask logit is > the threshold.
   */
  readonly maskBits: Uint32Array;
}

/** Class-agnostic spatio-temporal proposals of one video (PointVIS §3.1). */
export interface VideoProposals {
  /** f32 [Q, T, H, W]: sigmoid of the resized mask logits, track-major. */
  readonly soft: Tensor;
  /** f32 [Q]: mean of `soft` over T×H×W (the paper's maskness c_r). */
  readonly maskness: Tensor;
  /** f32 [Q]: max class probability of softmax(mean logits over frames), no-object excluded. */
  readonly confidence: Tensor;
}
