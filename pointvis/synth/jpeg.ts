import jpeg from 'jpeg-js';

/** Encodes interleaved RGB bytes as a baseline JPEG (jpeg-js: deterministic, 4:4:4 chroma). */
export function encodeRgbJpeg(rgb: Uint8Array, height: number, width: number, quality: number): Uint8Array {
  const rgba = new Uint8Array(height * width * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    rgba[q] = rgb[p];
    rgba[q + 1] = rgb[p + 1];
    rgba[q + 2] = rgb[p + 2];
    rgba[q + 3] = 255;
  }
  const { data } = jpeg.encode({ data: rgba, width, height }, quality);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
