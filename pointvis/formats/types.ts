/**
 * The on-disk data formats pointvis reads and writes: YouTube-VIS (2019/2021/OVIS layout),
 * its results (submission) format, COCO instances, and the point-annotation extension.
 * Field names follow the official JSON exactly (snake_case) so files round-trip unchanged.
 */

/** COCO run-length encoding with uncompressed counts: run lengths in column-major order, starting with zeros. */
export interface Rle {
  size: [number, number]; // [height, width]
  counts: number[];
}

/** COCO run-length encoding with the compressed string form of the counts. */
export interface CompressedRle {
  size: [number, number]; // [height, width]
  counts: string;
}

/** A polygon segmentation: a list of parts, each [x0, y0, x1, y1, ...]. */
export type Polygons = number[][];

export type Segmentation = Rle | CompressedRle | Polygons;

/** [x, y, width, height] in pixels. */
export type Box = [number, number, number, number];

/** One clicked point: pixel coordinates (x right, y down; continuous, pixel centres at +0.5) and label 1 = positive, 0 = negative. */
export type LabeledPoint = [number, number, 0 | 1];

export interface YtvisVideo {
  id: number;
  width: number;
  height: number;
  length: number;
  file_names: string[];
}

export interface YtvisAnnotation {
  id: number;
  video_id: number;
  category_id: number;
  /** One entry per frame of the video; null where the object is absent. */
  segmentations?: (Segmentation | null)[];
  areas?: (number | null)[];
  bboxes?: (Box | null)[];
  iscrowd: 0 | 1;
  /** Point-annotation extension: one entry per frame; null (or missing) where the frame is not annotated. */
  points?: (LabeledPoint[] | null)[];
}

export interface YtvisCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface YtvisDataset {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  videos: YtvisVideo[];
  annotations: YtvisAnnotation[];
  categories: YtvisCategory[];
}

/** One entry of a YouTube-VIS results (submission) file. */
export interface YtvisResult {
  video_id: number;
  category_id: number;
  score: number;
  segmentations: (CompressedRle | null)[];
}

export interface CocoImage {
  id: number;
  width: number;
  height: number;
  file_name: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: Segmentation;
  area: number;
  bbox: Box;
  iscrowd: 0 | 1;
}

export interface CocoDataset {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: YtvisCategory[];
}

/** One entry of a COCO instance-segmentation results file. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  score: number;
  segmentation: CompressedRle;
}

/**
 * Per-frame point annotation (the paper's per-frame setting): one object in one frame, with no
 * track identity linking it to the same object in other frames.
 */
export interface PointFrameAnnotation {
  id: number;
  video_id: number;
  /** 0-based index into the video's file_names. */
  frame_index: number;
  category_id: number;
  points: LabeledPoint[];
}

/** A YouTube-VIS-layout file whose objects are per-frame point sets (`point_frames`) instead of tracks. */
export interface PointFramesDataset {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  videos: YtvisVideo[];
  categories: YtvisCategory[];
  point_frames: PointFrameAnnotation[];
}
