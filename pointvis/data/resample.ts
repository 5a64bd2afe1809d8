/**
 * Deterministic image and mask resampling along separable axes. An axis is described by the
 * source taps of each output pixel, so resize, crop and flip fold into one pass: crop keeps a
 * range of output pixels, flip reverses their order.
 *
 * Images: PIL-style bilinear (a triangle filter whose support widens when shrinking, so
 * downscaling averages like PIL's antialiased BILINEAR that detectron2 uses). Masks: nearest
 * neighbour at pixel centres (source pixel floor((i + 0.5) · in / out)), as PIL's NEAREST.
 */

/** Per output pixel: the first source pixel, the tap count and the normalised weights. */
export interface AxisTaps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** `taps` weights per output pixel (unused slots 0). */
  readonly weights: Float64Array;
  readonly taps: number;
}

export function bilinearTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const taps = 2 * Math.ceil(support) + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    let total = 0;
    let n = 0;
    for (let k = lo; k < hi; k++) {
      const w = Math.max(0, 1 - Math.abs(k + 0.5 - center) / support);
      weights[i * taps + n++] = w;
      total += w;
    }
    for (let m = 0; m < n; m++) weights[i * taps + m] /= total;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, taps };
}

/** Source pixel of each output pixel for nearest-neighbour resizing. */
export function nearestIndices(inSize: number, outSize: number): Int32Array {
  const scale = inSize / outSize;
  const map = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) map[i] = Math.min(inSize - 1, Math.floor((i + 0.5) * scale));
  return map;
}

/** The output pixels `from..from+length-1` of an axis, reversed when `reverse`. */
export function axisOrder(from: number, length: number, reverse: boolean): Int32Array {
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = reverse ? from + length - 1 - i : from + i;
  return order;
}

export function selectTaps(axis: AxisTaps, order: Int32Array): AxisTaps {
  const { taps } = axis;
  const start = new Int32Array(order.length);
  const count = new Int32Array(order.length);
  const weights = new Float64Array(order.length * taps);
  order.forEach((o, i) => {
    start[i] = axis.start[o];
    count[i] = axis.count[o];
    weights.set(axis.weights.subarray(o * taps, (o + 1) * taps), i * taps);
  });
  return { start, count, weights, taps };
}

export function selectIndices(map: Int32Array, order: Int32Array): Int32Array {
  return order.map((o) => map[o]);
}

/** Resamples row-major RGB (height×width×3) with column taps, then row taps; rounds to bytes. */
export function resampleRgb(
  rgb: Uint8Array,
  height: number,
  width: number,
  rows: AxisTaps,
  cols: AxisTaps,
): Uint8Array {
  const outW = cols.start.length;
  const outH = rows.start.length;
  // Horizontal pass over every source row: height × outW × 3 in float.
  const mid = new Float64Array(height * outW * 3);
  for (let y = 0; y < height; y++) {
    const rowBase = y * width * 3;
    for (let j = 0; j < outW; j++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const w0 = j * cols.taps;
      let p = rowBase + cols.start[j] * 3;
      for (let m = 0; m < cols.count[j]; m++, p += 3) {
        const w = cols.weights[w0 + m];
        r += w * rgb[p];
        g += w * rgb[p + 1];
        b += w * rgb[p + 2];
      }
      const q = (y * outW + j) * 3;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
    }
  }
  const out = new Uint8Array(outH * outW * 3);
  const stride = outW * 3;
  for (let i = 0; i < outH; i++) {
    const w0 = i * rows.taps;
    const first = rows.start[i];
    const n = rows.count[i];
    for (let c = 0; c < stride; c++) {
      let v = 0;
      for (let m = 0; m < n; m++) v += rows.weights[w0 + m] * mid[(first + m) * stride + c];
      out[i * stride + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

/** Picks mask pixels: output (i, j) = source (rowIndex[i], colIndex[j]). */
export function resampleMask(
  mask: Uint8Array,
  width: number,
  rowIndex: Int32Array,
  colIndex: Int32Array,
): Uint8Array {
  const outW = colIndex.length;
  const out = new Uint8Array(rowIndex.length * outW);
  for (let i = 0; i < rowIndex.length; i++) {
    const base = rowIndex[i] * width;
    for (let j = 0; j < outW; j++) out[i * outW + j] = mask[base + colIndex[j]];
  }
  return out;
}
