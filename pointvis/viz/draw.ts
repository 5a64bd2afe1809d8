import type { RgbFrame } from '../frames';

export type Rgb = readonly [number, number, number];

export const POSITIVE: Rgb = [0, 230, 0];
export const NEGATIVE: Rgb = [235, 20, 20];

/** Well-separated object colours (no pure green or red, which the points use). */
export const OBJECT_COLORS: readonly Rgb[] = [
  [30, 144, 255],
  [255, 165, 0],
  [186, 85, 211],
  [0, 206, 209],
  [255, 215, 0],
  [255, 105, 180],
  [139, 69, 19],
  [127, 255, 212],
  [65, 105, 225],
  [240, 128, 128],
  [154, 205, 50],
  [210, 180, 140],
];

export function objectColor(index: number): Rgb {
  return OBJECT_COLORS[index % OBJECT_COLORS.length]!;
}

/** Nearest-neighbour resize of a frame (pixel centres). */
export function resizeFrame(frame: RgbFrame, height: number, width: number): RgbFrame {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(frame.height - 1, Math.floor(((y + 0.5) * frame.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(frame.width - 1, Math.floor(((x + 0.5) * frame.width) / width));
      const from = (sy * frame.width + sx) * 3;
      data.set(frame.data.subarray(from, from + 3), (y * width + x) * 3);
    }
  }
  return { height, width, data };
}

/** Nearest-neighbour resize of a row-major 0/1 mask. */
export function resizeMask(
  mask: Uint8Array,
  h: number,
  w: number,
  height: number,
  width: number,
): Uint8Array {
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / height));
    for (let x = 0; x < width; x++) {
      out[y * width + x] = mask[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / width))]!;
    }
  }
  return out;
}

/** Blends `color` over the mask (alpha) and paints its boundary solid, in place. */
export function overlayMask(frame: RgbFrame, mask: Uint8Array, color: Rgb, alpha = 0.5): void {
  const { width, height, data } = frame;
  const on = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!on(x, y)) continue;
      const edge = !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
      const a = edge ? 1 : alpha;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[p + c] = Math.round((1 - a) * data[p + c]! + a * color[c]!);
    }
  }
}

/** A filled disc with a black ring at (x, y) in pixel coordinates (centre of pixel j is j + 0.5). */
export function drawPoint(frame: RgbFrame, x: number, y: number, color: Rgb, radius: number): void {
  const { width, height, data } = frame;
  const ring = radius + 1;
  for (let py = Math.floor(y - ring); py <= Math.ceil(y + ring); py++) {
    for (let px = Math.floor(x - ring); px <= Math.ceil(x + ring); px++) {
      if (px < 0 || py < 0 || px >= width || py >= height) continue;
      const d = Math.hypot(px + 0.5 - x, py + 0.5 - y);
      if (d > ring) continue;
      const fill: Rgb = d <= radius ? color : [0, 0, 0];
      data.set(fill, (py * width + px) * 3);
    }
  }
}
