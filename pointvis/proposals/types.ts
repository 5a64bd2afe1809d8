/**
 * The proposals files (see README.md): one JSON file per video with its R class-agnostic
 * spatio-temporal proposals (paper §3.2, eq. 1) as binarised masks, plus the shard manifests and
 * the merged index. Field names are snake_case like the other on-disk formats.
 */

export const PROPOSALS_FORMAT = 'pointvis-proposals';
export const PROPOSALS_VERSION = 1;

/** One proposal: a track of the image model's queries over the whole video. */
export interface ProposalEntry {
  /** The track (query slot of the first frame) it came from. */
  query: number;
  /** Paper's maskness c_r: mean of the soft mask M̂_r over T×H×W (at `mask_size`). */
  maskness: number;
  /** Paper's ĉ_r: max class probability of softmax(mean class logits over frames), no-object excluded. */
  confidence: number;
  /** Mean of M̂_r over the pixels of its binarised mask (FreeSOLO's maskness); 0 for an empty mask. */
  inside: number;
  /** Mean of M̂_r over each frame's H×W (T values): the per-frame maskness PointVIS (PF) scores by. */
  frame_maskness: number[];
  /**
   * Per frame, the binarised mask M̂_r > threshold as the counts string of a compressed COCO RLE
   * of size `mask_size`, or null where the mask is empty.
   */
  masks: (string | null)[];
}

/** The proposals of one video (file `video-<id>.json`). */
export interface VideoProposalFile {
  format: typeof PROPOSALS_FORMAT;
  version: number;
  video_id: number;
  /** Frames T of the video (length of its file_names). */
  frames: number;
  /** [height, width] of the video's frames. */
  frame_size: [number, number];
  /** [H, W] of the stored masks; masks are resized to frame_size (nearest) when they differ. */
  mask_size: [number, number];
  /** The soft masks were binarised at M̂ > threshold. */
  threshold: number;
  /** Queries of the image model (R ≤ queries proposals are kept). */
  queries: number;
  proposals: ProposalEntry[];
}

/** How a proposals run was made; all shards of one directory must agree on it. */
export interface ProposalSettings {
  /** Config file, weights file (as given on the command line), or a description for tests. */
  model: string;
  /** Proposals kept per video (R). */
  proposals_per_video: number;
  threshold: number;
  /** 'frame' (the video's size), 'native' (the mask logits' grid) or 'HxW'. */
  mask_size: string;
  window_size: number;
  /** Short side and long-side cap the frames were resized to before the model. */
  test_size: [number, number];
  /** The annotation file the videos came from. */
  data: string;
}

/** `shard-<i>-of-<n>.json`: written when a shard has finished all its videos. */
export interface ShardManifest {
  format: 'pointvis-proposals-shard';
  shard: [number, number];
  settings: ProposalSettings;
  /** Video ids of this shard, in dataset order. */
  videos: number[];
  seconds: number;
}

/** `index.json`: written by the merge once every shard is complete. */
export interface ProposalIndex {
  format: 'pointvis-proposals-index';
  settings: ProposalSettings;
  shards: number;
  /** Video id → file name inside the directory, in dataset order. */
  videos: { video_id: number; file: string }[];
}
