import type { RgbImage } from './background';
import type { Rng } from './prng';
import type { ObjectPose, ObjectTrack } from './scene';
import { SHAPES } from './shapes';
import { TEXTURES } from './textures';

/**
 * Rasterises one frame. Each pixel belongs to the nearest object whose shape contains the
 * pixel centre (no anti-aliasing), so an object's mask is exactly the set of pixels painted in
 * its colours: the visible part, after occlusion and frame clipping. An object showing fewer
 * than `minVisibleArea` pixels is not drawn at all (its pixels go to whatever lies behind), so
 * a null annotation never hides a visible sliver.
 */
export interface RenderedFrame {
  height: number;
  width: number;
  /** Interleaved RGB bytes, row-major. */
  rgb: Uint8Array;
  /** Per pixel, the index (into the track list) of the object seen there, or -1 for background. */
  owner: Int16Array;
  /** Per track, the number of pixels it owns (0 when absent or dropped). */
  visibleArea: number[];
}

export interface FrameSettings {
  texturePeriod: number;
  minVisibleArea: number;
  /** Largest per-pixel (uniform) noise added to the background, in grey levels. */
  backgroundNoise: number;
}

export function renderFrame(
  background: RgbImage,
  height: number,
  width: number,
  tracks: readonly ObjectTrack[],
  poses: readonly (ObjectPose | null)[],
  settings: FrameSettings,
  noiseRng: Rng,
): RenderedFrame {
  const owner = new Int16Array(height * width);
  const drawn = poses.map((pose) => pose !== null);
  const backToFront = tracks.map((_, k) => k).sort((a, b) => tracks[a].depth - tracks[b].depth);
  let visibleArea: number[];
  // Dropping an object can only enlarge the others, so this settles after at most one pass per object.
  for (;;) {
    owner.fill(-1);
    for (const k of backToFront) {
      const pose = poses[k];
      if (drawn[k] && pose !== null) rasteriseObject(owner, height, width, tracks[k], pose, k);
    }
    visibleArea = countOwners(owner, tracks.length);
    let dropped = false;
    for (let k = 0; k < tracks.length; k++) {
      if (drawn[k] && visibleArea[k] < settings.minVisibleArea) {
        drawn[k] = false;
        dropped = true;
      }
    }
    if (!dropped) break;
  }

  const rgb = new Uint8Array(height * width * 3);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      const k = owner[p];
      const pose = k >= 0 ? poses[k] : null;
      if (pose !== null) {
        paintObjectPixel(rgb, p, j + 0.5, i + 0.5, tracks[k], pose, settings.texturePeriod);
      } else {
        // One 32-bit draw gives three 10-bit uniform noise values in [-1, 1], one per channel.
        const bits = noiseRng.nextUint32();
        const amplitude = settings.backgroundNoise / 511.5;
        rgb[p * 3] = toByte(background[p * 3] + amplitude * ((bits & 1023) - 511.5));
        rgb[p * 3 + 1] = toByte(background[p * 3 + 1] + amplitude * (((bits >>> 10) & 1023) - 511.5));
        rgb[p * 3 + 2] = toByte(background[p * 3 + 2] + amplitude * (((bits >>> 20) & 1023) - 511.5));
      }
    }
  }
  return { height, width, rgb, owner, visibleArea };
}

/** The row-major 0/1 mask of one track on a rendered frame. */
export function ownerMask(frame: RenderedFrame, track: number): Uint8Array {
  const mask = new Uint8Array(frame.owner.length);
  for (let p = 0; p < mask.length; p++) mask[p] = frame.owner[p] === track ? 1 : 0;
  return mask;
}

function rasteriseObject(
  owner: Int16Array,
  height: number,
  width: number,
  track: ObjectTrack,
  pose: ObjectPose,
  index: number,
): void {
  const inside = SHAPES[track.category.shape];
  // The object's axes: offsets from the centre rotated by -angle, then divided by the radius.
  const cos = Math.cos(pose.angle) / pose.radius;
  const sin = Math.sin(pose.angle) / pose.radius;
  // Shapes lie in the unit disk: only pixels whose centre is within one radius can be inside.
  const i0 = Math.max(0, Math.floor(pose.cy - pose.radius));
  const i1 = Math.min(height - 1, Math.ceil(pose.cy + pose.radius));
  const j0 = Math.max(0, Math.floor(pose.cx - pose.radius));
  const j1 = Math.min(width - 1, Math.ceil(pose.cx + pose.radius));
  for (let i = i0; i <= i1; i++) {
    const dy = i + 0.5 - pose.cy;
    for (let j = j0; j <= j1; j++) {
      const dx = j + 0.5 - pose.cx;
      if (inside(dx * cos + dy * sin, -dx * sin + dy * cos)) owner[i * width + j] = index;
    }
  }
}

function paintObjectPixel(
  rgb: Uint8Array,
  p: number,
  x: number,
  y: number,
  track: ObjectTrack,
  pose: ObjectPose,
  period: number,
): void {
  // Offset from the object centre in its rotated axes, in pixels.
  const dx = x - pose.cx;
  const dy = y - pose.cy;
  const cos = Math.cos(pose.angle);
  const sin = Math.sin(pose.angle);
  const weight = TEXTURES[track.category.texture](
    dx * cos + dy * sin,
    -dx * sin + dy * cos,
    pose.radius,
    period,
  );
  const [a, b] = track.category.colors;
  for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(a[c] * (1 - weight) + b[c] * weight);
}

function countOwners(owner: Int16Array, tracks: number): number[] {
  const area = new Array<number>(tracks).fill(0);
  for (let p = 0; p < owner.length; p++) if (owner[p] >= 0) area[owner[p]]++;
  return area;
}

function toByte(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}
