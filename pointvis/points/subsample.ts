/**
 * MinVIS's frame subsampling for sparse annotation (minvis/data_video/dataset_mapper.py,
 * select_frames): a video of `length` frames keeps n = max(round(length·ratio), 1) frames at
 * floor(linspace(0, length, n, endpoint=False)); when n = 1 it keeps the middle frame,
 * floor(length / 2). `round` is numpy's (halves to even) and linspace's samples are
 * i · (length / n) in double precision, both reproduced exactly here.
 */

/** Rounds to the nearest integer, halves to the even neighbour (numpy.round, Python 3 round). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** How many frames of a `length`-frame video are annotated at `ratio`. */
export function subsampledFrameCount(length: number, ratio: number): number {
  checkArguments(length, ratio);
  return Math.min(length, Math.max(roundHalfEven(length * ratio), 1));
}

/** The annotated frame indices (ascending) of a `length`-frame video at `ratio` (0 < ratio ≤ 1). */
export function subsampleFrames(length: number, ratio: number): number[] {
  const n = subsampledFrameCount(length, ratio);
  if (n === 1) return [Math.floor(length / 2)];
  const step = length / n;
  return Array.from({ length: n }, (_, i) => Math.floor(i * step));
}

function checkArguments(length: number, ratio: number): void {
  if (!Number.isSafeInteger(length) || length < 1)
    throw new RangeError(`video length ${length} is not a positive integer`);
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`frame ratio ${ratio} is not in (0, 1]`);
}
