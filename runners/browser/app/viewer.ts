/**
 * The frame canvas: the frame with mask overlays blended in at the video's own resolution
 * (pointvis/viz, as the CLI's overlays), scaled up or down to the display size, then the clicks
 * drawn on top at display resolution so they stay round and visible on tiny frames.
 */
import type { VideoInstances } from '../../../model/minvis/index.js';
import type { LabeledPoint } from '../../../pointvis/formats/types.js';
import type { RgbFrame } from '../../../pointvis/frames/frame.js';
import {
  NEGATIVE,
  POSITIVE,
  type Rgb,
  drawPoint,
  overlayMask,
  resizeFrame,
} from '../../../pointvis/viz/draw.js';
import { type OverlayInstance, overlayFrame } from '../../../pointvis/viz/overlay-frame.js';

/** The longest display side for large frames, and the largest upscale of small ones. */
const DISPLAY_SIDE = 640;
const MAX_UPSCALE = 8;

export interface DrawnPoint {
  point: LabeledPoint;
  /** Points of the selected object are drawn larger. */
  selected: boolean;
}

export interface ViewLayers {
  frame: RgbFrame;
  t: number;
  tracks: { instances: VideoInstances; picked: readonly OverlayInstance[] } | null;
  pseudo: { mask: Uint8Array; color: Rgb }[];
  points: DrawnPoint[];
}

export class Viewer {
  private scale = 1;
  private width = 0;
  private height = 0;

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Display size for frames of width × height. */
  setFrameSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.scale = Math.min(MAX_UPSCALE, DISPLAY_SIDE / Math.max(width, height));
    this.canvas.width = Math.max(1, Math.round(width * this.scale));
    this.canvas.height = Math.max(1, Math.round(height * this.scale));
  }

  draw(layers: ViewLayers): void {
    const { frame } = layers;
    let picture: RgbFrame = layers.tracks
      ? overlayFrame(frame, layers.tracks.instances, layers.tracks.picked, layers.t)
      : { width: frame.width, height: frame.height, data: frame.data.slice() };
    for (const p of layers.pseudo) overlayMask(picture, p.mask, p.color, 0.5);
    picture = resizeFrame(picture, this.canvas.height, this.canvas.width);
    for (const { point, selected } of layers.points) {
      const color: Rgb = point[2] === 1 ? POSITIVE : NEGATIVE;
      drawPoint(picture, point[0] * this.scaleX, point[1] * this.scaleY, color, selected ? 5 : 3);
    }
    const context = this.canvas.getContext('2d');
    if (context === null) throw new Error('this browser gives no 2D canvas');
    const image = context.createImageData(picture.width, picture.height);
    for (let i = 0, j = 0; j < image.data.length; i += 3, j += 4) {
      image.data[j] = picture.data[i]!;
      image.data[j + 1] = picture.data[i + 1]!;
      image.data[j + 2] = picture.data[i + 2]!;
      image.data[j + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }

  private get scaleX(): number {
    return this.canvas.width / this.width;
  }

  private get scaleY(): number {
    return this.canvas.height / this.height;
  }

  /**
   * Frame coordinates (continuous, pixel j spans [j, j+1)) of a mouse position, from the
   * canvas's on-screen box (CSS may scale it); null outside the frame.
   */
  toFrame(clientX: number, clientY: number): { x: number; y: number } | null {
    const box = this.canvas.getBoundingClientRect();
    const x = ((clientX - box.left) / box.width) * this.width;
    const y = ((clientY - box.top) / box.height) * this.height;
    if (!(x >= 0 && x < this.width && y >= 0 && y < this.height)) return null;
    return { x, y };
  }
}
