import { existsSync } from 'node:fs';
import { PointvisDataError } from '../errors';
import { loadFrame, type RgbFrame } from '../frames';

/**
 * Reads and decodes one image or video frame and checks its size against the annotation file.
 * Errors name the image file, the annotation file's field that points to it, and `context`
 * (e.g. "video 3 (video_0003/00002.jpg) frame 2").
 */
export function readSampleImage(
  path: string,
  expected: { height: number; width: number },
  where: { annotations: string; field: string; context: string },
): RgbFrame {
  if (!existsSync(path)) {
    throw new PointvisDataError(
      `${where.context}: image file is missing (listed at ${where.field} of ${where.annotations})`,
      { file: path, field: where.field },
    );
  }
  let frame: RgbFrame;
  try {
    frame = loadFrame(path);
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    throw new PointvisDataError(`${where.context}: ${problem}`, { file: path, field: where.field });
  }
  if (frame.height !== expected.height || frame.width !== expected.width) {
    throw new PointvisDataError(
      `${where.context}: image is ${frame.width}×${frame.height}, but ${where.annotations} says ${expected.width}×${expected.height}`,
      { file: path, field: where.field },
    );
  }
  return frame;
}
