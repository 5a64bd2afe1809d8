import type { VideoGeometry } from './types.js';

/**
 * The geometry of a frame of `outputSize` resized to `imageSize` and zero-padded right/bottom to
 * the next multiple of `divisor` (detectron2's ImageList with SIZE_DIVISIBILITY).
 */
export function paddedGeometry(
  outputSize: readonly [number, number],
  imageSize: readonly [number, number],
  divisor: number,
): VideoGeometry {
  const up = (n: number) => Math.ceil(n / divisor) * divisor;
  return {
    inputSize: [up(imageSize[0]), up(imageSize[1])],
    imageSize: [imageSize[0], imageSize[1]],
    outputSize: [outputSize[0], outputSize[1]],
  };
}
