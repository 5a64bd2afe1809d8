import type { Rng } from './prng';

/**
 * Muted, textured backgrounds: a two-colour linear gradient, low-frequency value noise and a
 * few soft (Gaussian-edged) colour blobs, so objects cannot be found by a global threshold but
 * their saturated, hard-edged colours still stand out.
 */

/** Interleaved RGB, 3 floats per pixel, row-major. */
export type RgbImage = Float32Array;

const GRID_CELLS = 4; // value-noise lattice cells across the shorter side
const NOISE_AMPLITUDE = 22;
const GREY_RANGE: [number, number] = [70, 180];
const TINT = 22; // per-channel spread around the grey level of a background colour
const BLOB_TINT = 45; // blobs are allowed a little more colour, still far from the object palette
const BLOB_OPACITY: [number, number] = [0.35, 0.7];

function mutedColor(rng: Rng, tint: number): [number, number, number] {
  const grey = rng.uniform(GREY_RANGE[0], GREY_RANGE[1]);
  return [grey + rng.uniform(-tint, tint), grey + rng.uniform(-tint, tint), grey + rng.uniform(-tint, tint)];
}

/** A static background for one video or image; per-frame sensor noise is added by the renderer. */
export function makeBackground(rng: Rng, height: number, width: number, blobs: [number, number]): RgbImage {
  const image = new Float32Array(height * width * 3);
  const from = mutedColor(rng, TINT);
  const to = mutedColor(rng, TINT);
  const angle = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const extent = Math.abs(dx) * width + Math.abs(dy) * height;
  const offset = Math.min(0, dx * width) + Math.min(0, dy * height);

  // Value noise: random values on a coarse lattice, bilinearly interpolated (one per channel).
  const cell = Math.min(height, width) / GRID_CELLS;
  const gridW = Math.ceil(width / cell) + 2;
  const gridH = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(gridW * gridH * 3);
  for (let k = 0; k < lattice.length; k++) lattice[k] = rng.uniform(-NOISE_AMPLITUDE, NOISE_AMPLITUDE);

  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const t = ((j + 0.5) * dx + (i + 0.5) * dy - offset) / extent;
      const gx = (j + 0.5) / cell;
      const gy = (i + 0.5) / cell;
      const x0 = Math.floor(gx);
      const y0 = Math.floor(gy);
      const fx = smooth(gx - x0);
      const fy = smooth(gy - y0);
      const p = (i * width + j) * 3;
      const q00 = (y0 * gridW + x0) * 3; // lattice corners around the pixel
      const q10 = q00 + 3;
      const q01 = q00 + gridW * 3;
      const q11 = q01 + 3;
      for (let c = 0; c < 3; c++) {
        const top = lattice[q00 + c] * (1 - fx) + lattice[q10 + c] * fx;
        const bottom = lattice[q01 + c] * (1 - fx) + lattice[q11 + c] * fx;
        image[p + c] = from[c] * (1 - t) + to[c] * t + top * (1 - fy) + bottom * fy;
      }
    }
  }

  const blobCount = rng.int(blobs[0], blobs[1]);
  const side = Math.min(height, width);
  for (let b = 0; b < blobCount; b++) {
    const color = mutedColor(rng, BLOB_TINT);
    const cx = rng.uniform(0, width);
    const cy = rng.uniform(0, height);
    const sigma = rng.uniform(0.05, 0.18) * side;
    const opacity = rng.uniform(BLOB_OPACITY[0], BLOB_OPACITY[1]);
    paintBlob(image, height, width, cx, cy, sigma, opacity, color);
  }
  return image;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

function paintBlob(
  image: RgbImage,
  height: number,
  width: number,
  cx: number,
  cy: number,
  sigma: number,
  opacity: number,
  color: [number, number, number],
): void {
  const reach = 3 * sigma;
  const i0 = Math.max(0, Math.floor(cy - reach));
  const i1 = Math.min(height, Math.ceil(cy + reach));
  const j0 = Math.max(0, Math.floor(cx - reach));
  const j1 = Math.min(width, Math.ceil(cx + reach));
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      const d2 = (j + 0.5 - cx) ** 2 + (i + 0.5 - cy) ** 2;
      const a = opacity * Math.exp(-d2 / (2 * sigma * sigma));
      const p = (i * width + j) * 3;
      for (let c = 0; c < 3; c++) image[p + c] = image[p + c] * (1 - a) + color[c] * a;
    }
  }
}
