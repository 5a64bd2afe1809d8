/**
 * GPU data layout of the point-cost kernels (see shaders/pointcost/README.md).
 *
 * Proposal masks are bit-packed: a video's R proposals are a dense u32 block [R, T, H, Ww] with
 * Ww = ceil(W / 32) words per row, pixel column x in bit (x & 31) of word (x >> 5) of its row
 * (the row's spare high bits are 0). Blocks of several videos sit at word offsets in one buffer.
 *
 * Everything else the kernels need travels in ONE u32 "tables" buffer (WebGPU allows few
 * storage bindings per stage), cut into sections whose word offsets are kernel params:
 *   problems      PROBLEM_STRIDE words per matching problem (a video, or one frame of it)
 *   segments      SEGMENT_STRIDE words per (problem, frame) that has points
 *   points        POINT_STRIDE words per point, grouped by segment, then by object
 *   objects       OBJECT_STRIDE words per padded object slot (problem * maxObjects + j)
 *   objectFrames  OBJECT_FRAME_STRIDE words per (object, frame where the object is present)
 */
export const PROBLEM_STRIDE = 12;
/** Fields of a problem record. */
export const PROBLEM = {
  maskOffset: 0, // word of proposal 0, frame 0, row 0
  proposals: 1, // R
  frames: 2, // T
  height: 3, // H
  width: 4, // W
  wordsPerRow: 5, // ceil(W / 32)
  proposalStride: 6, // words from one proposal to the next; frames are H * Ww words apart
  scoreOffset: 7, // scores[scoreOffset + r * scoreStride] is proposal r's maskness/confidence
  scoreStride: 8,
  objects: 9, // J
} as const;

export const SEGMENT_STRIDE = 4;
export const SEGMENT = { problem: 0, frame: 1, pointStart: 2, pointEnd: 3 } as const;

/** word 0: (y << 16) | x (pixel row and column); word 1: (object << 1) | label. */
export const POINT_STRIDE = 2;

/** The two scale words hold f32 bits: 1 for raw counts, 1 / (number of points) when normalised. */
export const OBJECT_STRIDE = 4;
export const OBJECT = { frameStart: 0, frameEnd: 1, annScale: 2, cinegScale: 3 } as const;

/** ownStart/ownEnd: the object's own points inside the segment's point range. */
export const OBJECT_FRAME_STRIDE = 4;
export const OBJECT_FRAME = { segment: 0, ownStart: 1, ownEnd: 2 } as const;

/** Largest mask side the point encoding carries (16 bits per coordinate). */
export const MAX_MASK_SIDE = 1 << 16;

export function wordsPerRow(width: number): number {
  return Math.ceil(width / 32);
}

/** Bit of pixel (y, x) in a packed block laid out as above (CPU side of the same addressing). */
export function maskBitAt(
  bits: ArrayLike<number>,
  maskOffset: number,
  proposalStride: number,
  height: number,
  width: number,
  r: number,
  t: number,
  y: number,
  x: number,
): number {
  const ww = wordsPerRow(width);
  const word = bits[maskOffset + r * proposalStride + (t * height + y) * ww + (x >>> 5)]!;
  return (word >>> (x & 31)) & 1;
}
