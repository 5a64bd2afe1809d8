/**
 * Browser-safe: which of a video's predicted instances are drawn, in which colour, and a frame
 * with their masks blended in (overlay-video.ts writes the pictures in Node; the browser app
 * draws the same overlays on its canvas).
 */
import { type VideoInstances, instanceFrameMask } from '../../model/minvis/index.js';
import type { RgbFrame } from '../frames/frame';
import { type Rgb, objectColor, overlayMask } from './draw';

/** One instance that is drawn, with its colour. */
export interface OverlayInstance {
  /** Row of the VideoInstances (rank by score). */
  index: number;
  /** The track (query) it came from. */
  query: number;
  label: number;
  score: number;
  color: Rgb;
}

/**
 * The instances to draw: score ≥ minScore, and per track only its best-scoring class (top-k
 * over queries × classes can pick one track several times). Colours follow the rank.
 */
export function pickOverlayInstances(instances: VideoInstances, minScore = 0.5): OverlayInstance[] {
  const seen = new Set<number>();
  const picked: OverlayInstance[] = [];
  instances.scores.forEach((score, index) => {
    const query = instances.queries[index]!;
    if (!(score >= minScore) || seen.has(query)) return;
    seen.add(query);
    picked.push({ index, query, label: instances.labels[index]!, score, color: objectColor(picked.length) });
  });
  return picked;
}

/** Frame t with the picked instances' masks blended in; the highest score ends on top. */
export function overlayFrame(
  frame: RgbFrame,
  instances: VideoInstances,
  picked: readonly OverlayInstance[],
  t: number,
  alpha = 0.5,
): RgbFrame {
  if (frame.width !== instances.width || frame.height !== instances.height) {
    throw new RangeError(
      `overlay: frame ${t} is ${frame.width}×${frame.height}, the masks ${instances.width}×${instances.height}`,
    );
  }
  const out: RgbFrame = { width: frame.width, height: frame.height, data: frame.data.slice() };
  for (const p of [...picked].reverse())
    overlayMask(out, instanceFrameMask(instances, p.index, t), p.color, alpha);
  return out;
}
