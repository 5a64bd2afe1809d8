import type { LabeledPoint } from '../formats/types';
import type { RgbFrame } from '../frames';
import {
  NEGATIVE,
  POSITIVE,
  type Rgb,
  drawPoint,
  objectColor,
  overlayMask,
  resizeFrame,
  resizeMask,
} from './draw';

/** One object in a strip: per frame its mask (row-major 0/1 at the frame's size) and points. */
export interface StripObject {
  masks: readonly (Uint8Array | null)[];
  points: readonly (readonly LabeledPoint[] | null)[];
  color?: Rgb;
}

export interface StripOptions {
  /** Frames of the video to show (default: all). */
  frames?: readonly number[];
  /** Each frame is drawn this tall (nearest resize; default: its height clamped to [160, 360]). */
  height?: number;
  /** White gap between frames, in pixels (default 4). */
  gap?: number;
}

export function defaultStripHeight(height: number): number {
  return Math.min(360, Math.max(160, height));
}

/**
 * A strip of a video's frames side by side with each object's mask overlaid in its colour and
 * its points drawn on top (green positive, red negative), as in the paper's Figure 3.
 */
export function renderStrip(
  frames: readonly RgbFrame[],
  objects: readonly StripObject[],
  options: StripOptions = {},
): RgbFrame {
  if (frames.length === 0) throw new RangeError('renderStrip: no frames');
  const shown = options.frames ?? frames.map((_, t) => t);
  const first = frames[shown[0] ?? 0]!;
  const height = options.height ?? defaultStripHeight(first.height);
  const width = Math.max(1, Math.round((first.width * height) / first.height));
  const gap = options.gap ?? 4;
  const total = shown.length * width + (shown.length - 1) * gap;
  const strip: RgbFrame = { height, width: total, data: new Uint8Array(height * total * 3).fill(255) };
  const radius = Math.max(2, Math.round(height / 60));
  shown.forEach((t, i) => {
    const source = frames[t]!;
    const frame = resizeFrame(source, height, width);
    objects.forEach((o, j) => {
      const mask = o.masks[t];
      if (mask)
        overlayMask(
          frame,
          resizeMask(mask, source.height, source.width, height, width),
          o.color ?? objectColor(j),
        );
    });
    for (const o of objects) {
      for (const [x, y, label] of o.points[t] ?? []) {
        drawPoint(
          frame,
          (x * width) / source.width,
          (y * height) / source.height,
          label === 1 ? POSITIVE : NEGATIVE,
          radius,
        );
      }
    }
    const x0 = i * (width + gap);
    for (let y = 0; y < height; y++) {
      strip.data.set(frame.data.subarray(y * width * 3, (y + 1) * width * 3), (y * total + x0) * 3);
    }
  });
  return strip;
}

/** At most `max` frames, evenly spread, preferring the annotated ones when there are enough. */
export function pickStripFrames(length: number, annotated: readonly number[], max: number): number[] {
  const pool = annotated.length > 0 ? annotated : Array.from({ length }, (_, t) => t);
  if (pool.length <= max) return [...pool];
  return Array.from({ length: max }, (_, i) => pool[Math.floor((i * pool.length) / max)]!);
}
