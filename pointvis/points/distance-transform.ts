/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance
 * Transforms of Sampled Functions", 2012): for every pixel, the squared distance between its
 * centre and the centre of the nearest background pixel. Pixels outside the frame count as
 * background, so an object touching the border is "thin" there, as an annotator would see it.
 * Two passes of a 1-D lower-envelope-of-parabolas transform (columns, then rows), O(h·w).
 */

const FAR = 1e20; // "infinitely" far: larger than any squared distance on a frame

/**
 * Squared distances, row-major h×w; 0 on background (mask 0) pixels. The frame is padded with
 * one ring of background so the border rule needs no special case.
 */
export function squaredDistanceToBackground(mask: Uint8Array, height: number, width: number): Float64Array {
  if (mask.length !== height * width)
    throw new RangeError(`mask has ${mask.length} pixels, expected ${height}×${width}`);
  const ph = height + 2;
  const pw = width + 2;
  const grid = new Float64Array(ph * pw); // the padding ring stays 0 (background)
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) if (mask[i * width + j] !== 0) grid[(i + 1) * pw + j + 1] = FAR;
  }
  const n = Math.max(ph, pw);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let j = 0; j < pw; j++) {
    for (let i = 0; i < ph; i++) f[i] = grid[i * pw + j];
    transform1d(f, ph, d, v, z);
    for (let i = 0; i < ph; i++) grid[i * pw + j] = d[i];
  }
  for (let i = 0; i < ph; i++) {
    for (let j = 0; j < pw; j++) f[j] = grid[i * pw + j];
    transform1d(f, pw, d, v, z);
    for (let j = 0; j < pw; j++) grid[i * pw + j] = d[j];
  }
  const result = new Float64Array(height * width);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) result[i * width + j] = grid[(i + 1) * pw + j + 1];
  }
  return result;
}

/**
 * d[q] = min over p of (q − p)² + f[p], for q, p in 0..n-1: the lower envelope of the parabolas
 * rooted at each p. v holds the envelope's parabolas, z the boundaries between them.
 */
function transform1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  const intersection = (q: number, p: number) => (f[q] + q * q - (f[p] + p * p)) / (2 * q - 2 * p);
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = intersection(q, v[k]);
    while (s <= z[k]) {
      k--;
      s = intersection(q, v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
  }
}
