/**
 * Random matching problems for the point-cost tests: soft proposal masks made of blobs (with
 * some values exactly at the 0.5 threshold) and objects whose points cover a random subset of
 * frames, including frames with only negatives, objects with no points and one-object videos.
 */
import type { PixelPoint, PointCostObject } from '../../engine/index.js';

export interface RandomVideo {
  shape: [number, number, number, number]; // R, T, H, W
  soft: Float32Array;
  objects: PointCostObject[];
}

export function softAt(v: RandomVideo, r: number, t: number, y: number, x: number): number {
  const [, frames, height, width] = v.shape;
  return v.soft[((r * frames + t) * height + y) * width + x]!;
}

export function randomSoftMasks(shape: [number, number, number, number], random: () => number): Float32Array {
  const [proposals, frames, height, width] = shape;
  const soft = new Float32Array(proposals * frames * height * width);
  for (let r = 0; r < proposals; r++) {
    const cx = random() * width;
    const cy = random() * height;
    const rx = 1 + random() * width * 0.6;
    const ry = 1 + random() * height * 0.6;
    for (let t = 0; t < frames; t++) {
      const dx = (random() - 0.5) * 2;
      const dy = (random() - 0.5) * 2;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const d = ((x + 0.5 - cx - dx) / rx) ** 2 + ((y + 0.5 - cy - dy) / ry) ** 2;
          let v = 1 / (1 + Math.exp(4 * (d - 1)));
          const u = random();
          if (u < 0.03)
            v = 0.5; // exactly at the threshold: not in the mask
          else if (u < 0.05) v = random();
          soft[((r * frames + t) * height + y) * width + x] = v;
        }
      }
    }
  }
  return soft;
}

export function randomObjects(
  count: number,
  frames: number,
  height: number,
  width: number,
  random: () => number,
): PointCostObject[] {
  const pick = (n: number) => Math.min(n - 1, Math.floor(random() * n));
  return Array.from({ length: count }, (_, j) => {
    const style = random();
    const out: (PixelPoint[] | null)[] = [];
    for (let t = 0; t < frames; t++) {
      if (j === count - 1 && style < 0.15) {
        out.push(null); // an object with no points at all
        continue;
      }
      const u = random();
      if (u < 0.3) out.push(null);
      else if (u < 0.38)
        out.push([]); // annotated, absent
      else {
        const n = 1 + pick(4);
        const pts: PixelPoint[] = [];
        const onlyNegatives = random() < 0.1;
        for (let k = 0; k < n; k++) {
          pts.push({
            x: pick(width),
            y: pick(height),
            label: onlyNegatives ? 0 : k === 0 ? 1 : random() < 0.5 ? 1 : 0,
          });
        }
        out.push(pts);
      }
    }
    // Trailing frames may be left out entirely (shorter list = not annotated).
    if (random() < 0.2 && out.length > 1) out.length = out.length - 1;
    return { frames: out };
  });
}

export function randomVideo(
  random: () => number,
  limits: { proposals: number; frames: number; side: number; objects: number },
  fixed: Partial<{ proposals: number; frames: number; height: number; width: number; objects: number }> = {},
): RandomVideo {
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const proposals = fixed.proposals ?? between(1, limits.proposals);
  const frames = fixed.frames ?? between(1, limits.frames);
  const height = fixed.height ?? between(1, limits.side);
  const width = fixed.width ?? between(1, limits.side);
  const shape: [number, number, number, number] = [proposals, frames, height, width];
  const count = fixed.objects ?? between(0, limits.objects);
  return {
    shape,
    soft: randomSoftMasks(shape, random),
    objects: randomObjects(count, frames, height, width, random),
  };
}
