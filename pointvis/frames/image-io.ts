import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { PointvisDataError } from '../errors';
import { writeFileAtomic } from '../io/atomic-write';
import type { RgbFrame } from './frame';

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/** Reads a JPEG or PNG (recognised by its first bytes, not its name) as RGB. */
export function loadFrame(path: string): RgbFrame {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new PointvisDataError(`cannot read image: ${errorText(err)}`, { file: path });
  }
  return decodeImage(bytes, path);
}

export function decodeImage(bytes: Uint8Array, file: string): RgbFrame {
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, file);
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, file);
  throw new PointvisDataError('not a JPEG or PNG image (unrecognised first bytes)', { file });
}

function decodeJpeg(bytes: Uint8Array, file: string): RgbFrame {
  try {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
    return { width: image.width, height: image.height, data: image.data };
  } catch (err) {
    throw new PointvisDataError(`cannot decode JPEG: ${errorText(err)}`, { file });
  }
}

function decodePng(bytes: Uint8Array, file: string): RgbFrame {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new PointvisDataError(`cannot decode PNG: ${errorText(err)}`, { file });
  }
  // pngjs always hands back 8-bit RGBA; drop alpha.
  return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width * png.height) };
}

function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    rgb[3 * i] = rgba[j];
    rgb[3 * i + 1] = rgba[j + 1];
    rgb[3 * i + 2] = rgba[j + 2];
  }
  return rgb;
}

function rgbToRgba(frame: RgbFrame): Buffer {
  const pixels = frame.width * frame.height;
  if (frame.data.length !== pixels * 3) {
    throw new RangeError(
      `frame data has ${frame.data.length} bytes, expected ${pixels * 3} for ${frame.width}×${frame.height} RGB`,
    );
  }
  const rgba = Buffer.alloc(pixels * 4, 255);
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    rgba[j] = frame.data[3 * i];
    rgba[j + 1] = frame.data[3 * i + 1];
    rgba[j + 2] = frame.data[3 * i + 2];
  }
  return rgba;
}

export function encodeJpeg(frame: RgbFrame, quality = 90): Uint8Array {
  return jpeg.encode({ width: frame.width, height: frame.height, data: rgbToRgba(frame) }, quality).data;
}

export function encodePng(frame: RgbFrame): Uint8Array {
  const png = new PNG({ width: frame.width, height: frame.height });
  png.data = rgbToRgba(frame);
  return PNG.sync.write(png);
}

export function saveJpeg(path: string, frame: RgbFrame, quality = 90): void {
  writeFileAtomic(path, encodeJpeg(frame, quality));
}

export function savePng(path: string, frame: RgbFrame): void {
  writeFileAtomic(path, encodePng(frame));
}

/** jpeg-js sometimes throws plain strings. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
