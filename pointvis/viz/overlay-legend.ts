/** A colour legend under a picture: a swatch and a label per entry, flowing into rows. */
import type { RgbFrame } from '../frames';
import type { Rgb } from './draw';
import { GLYPH_HEIGHT, drawText, textWidth } from './overlay-font';

export interface LegendEntry {
  color: Rgb;
  label: string;
}

export interface LegendOptions {
  /** Pixel size of one font cell (default: 2 for pictures at least 320 wide, else 1). */
  scale?: number;
  background?: Rgb;
  ink?: Rgb;
}

interface Placed {
  entry: LegendEntry;
  x: number;
  row: number;
}

/** `image` with legend rows added below it (the same picture when there are no entries). */
export function appendLegend(
  image: RgbFrame,
  entries: readonly LegendEntry[],
  options: LegendOptions = {},
): RgbFrame {
  if (entries.length === 0) return image;
  const scale = options.scale ?? (image.width >= 320 ? 2 : 1);
  const background = options.background ?? [255, 255, 255];
  const ink = options.ink ?? [0, 0, 0];
  const margin = 2 * scale;
  const swatch = (GLYPH_HEIGHT + 2) * scale;
  const rowHeight = swatch + margin;
  // Flow layout: entries left to right, a new row when the next one would not fit.
  const placed: Placed[] = [];
  let x = margin;
  let row = 0;
  for (const entry of entries) {
    const width = swatch + margin + textWidth(entry.label, scale);
    if (x > margin && x + width > image.width - margin) {
      row++;
      x = margin;
    }
    placed.push({ entry, x, row });
    x += width + 3 * margin;
  }
  const legendHeight = (row + 1) * rowHeight + margin;
  const height = image.height + legendHeight;
  const out: RgbFrame = { width: image.width, height, data: new Uint8Array(image.width * height * 3) };
  out.data.set(image.data);
  for (let p = image.width * image.height; p < image.width * height; p++) out.data.set(background, p * 3);
  for (const { entry, x: x0, row: r } of placed) {
    const y0 = image.height + margin + r * rowHeight;
    for (let y = y0; y < y0 + swatch; y++) {
      for (let xx = x0; xx < Math.min(image.width, x0 + swatch); xx++)
        out.data.set(entry.color, (y * image.width + xx) * 3);
    }
    drawText(out, x0 + swatch + margin, y0 + scale, entry.label, ink, scale);
  }
  return out;
}
