/**
 * Pictures of a video's predicted instances: every frame with the masks overlaid (one colour per
 * track) and a figure strip of a few frames with a legend naming each track's category and
 * score, as the paper's Figure 1.
 */
import { join } from 'node:path';
import { type VideoInstances, instanceFrameMask } from '../../model/minvis/index.js';
import type { RgbFrame } from '../frames';
import { savePng } from '../frames';
import { type OverlayInstance, overlayFrame, pickOverlayInstances } from './overlay-frame';
import { type LegendEntry, appendLegend } from './overlay-legend';
import { type StripObject, pickStripFrames, renderStrip } from './strip';

export { type OverlayInstance, overlayFrame, pickOverlayInstances } from './overlay-frame';

export interface VideoOverlayOptions {
  /** Instances with a score below this are not drawn (default 0.5). */
  minScore?: number;
  /** Opacity of a mask's inside; its boundary is drawn solid (default 0.5). */
  alpha?: number;
  /** Frames in the figure strip (default 6). */
  stripFrames?: number;
}

/** A video's frames as the overlays need them. */
export interface OverlayFrames {
  count: number;
  load(t: number): RgbFrame;
  /** File name of frame t's overlay (a .png name). */
  fileName(t: number): string;
}

export interface VideoOverlayFiles {
  frames: string[];
  strip: string;
  instances: OverlayInstance[];
}

/**
 * Writes `dir/<name>/<fileName(t)>` for every frame and the strip `dir/<name>.strip.png`;
 * `categoryNames[label]` names contiguous class `label` in the legend.
 */
export function writeVideoOverlays(
  dir: string,
  name: string,
  frames: OverlayFrames,
  instances: VideoInstances,
  categoryNames: readonly string[],
  options: VideoOverlayOptions = {},
): VideoOverlayFiles {
  const picked = pickOverlayInstances(instances, options.minScore);
  const stripAt = pickStripFrames(frames.count, [], options.stripFrames ?? 6);
  const stripFrames: RgbFrame[] = [];
  const files: string[] = [];
  for (let t = 0; t < frames.count; t++) {
    const frame = frames.load(t);
    const file = join(dir, name, frames.fileName(t));
    savePng(file, overlayFrame(frame, instances, picked, t, options.alpha));
    files.push(file);
    if (stripAt.includes(t)) stripFrames.push(frame);
  }
  // The strip draws in list order: lowest score first, so the best ends on top.
  const objects: StripObject[] = [...picked].reverse().map((p) => ({
    masks: stripAt.map((t) => instanceFrameMask(instances, p.index, t)),
    points: stripAt.map(() => null),
    color: p.color,
  }));
  const legend: LegendEntry[] = picked.map((p) => ({
    color: p.color,
    label: `${categoryNames[p.label] ?? `class ${p.label}`} ${p.score.toFixed(2)}`,
  }));
  const strip = join(dir, `${name}.strip.png`);
  savePng(strip, appendLegend(renderStrip(stripFrames, objects), legend));
  return { frames: files, strip, instances: picked };
}
