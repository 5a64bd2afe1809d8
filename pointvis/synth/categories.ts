import { SHAPE_NAMES, type ShapeName } from './shapes';
import { TEXTURE_NAMES, type TextureName } from './textures';

export type Rgb = [number, number, number];

/** One object class of the synthetic benchmark: a silhouette, a pattern and two colours. */
export interface SynthCategory {
  id: number;
  name: string;
  shape: ShapeName;
  texture: TextureName;
  /** The texture blends from colors[0] (weight 0) to colors[1] (weight 1). */
  colors: [Rgb, Rgb];
  /** Shared categories appear in images and videos; novel ones only in videos. */
  shared: boolean;
}

// Saturated hues, far from the muted backgrounds (see background.ts).
const PALETTE: { name: string; rgb: Rgb }[] = [
  { name: 'red', rgb: [215, 35, 35] },
  { name: 'blue', rgb: [35, 75, 215] },
  { name: 'yellow', rgb: [235, 205, 25] },
  { name: 'green', rgb: [30, 170, 55] },
  { name: 'magenta', rgb: [205, 35, 190] },
  { name: 'cyan', rgb: [25, 195, 210] },
  { name: 'orange', rgb: [245, 125, 15] },
  { name: 'purple', rgb: [125, 45, 205] },
];

// The pattern's second colour: the same hue, much darker, so a category keeps one hue.
const SECOND_COLOR_SCALE = 0.3;

/**
 * The first `shared + novel` categories of a fixed sequence (ids 1, 2, ...; shared first).
 * Category i takes shape i, texture i and colour i of their lists (each cycling), so the first
 * ten differ in shape and the first eight also in colour.
 */
export function buildCategories(shared: number, novel: number): SynthCategory[] {
  const total = shared + novel;
  if (!Number.isInteger(shared) || !Number.isInteger(novel) || shared < 1 || novel < 0) {
    throw new RangeError(
      `category counts must be integers, shared ≥ 1 and novel ≥ 0 (got ${shared}, ${novel})`,
    );
  }
  const combinations = SHAPE_NAMES.length * TEXTURE_NAMES.length;
  if (total > combinations)
    throw new RangeError(`at most ${combinations} synthetic categories (asked ${total})`);
  const categories: SynthCategory[] = [];
  for (let i = 0; i < total; i++) {
    const shape = SHAPE_NAMES[i % SHAPE_NAMES.length];
    // Past one round of shapes, shift the texture so (shape, texture) pairs never repeat.
    const texture = TEXTURE_NAMES[(i + Math.floor(i / SHAPE_NAMES.length)) % TEXTURE_NAMES.length];
    const color = PALETTE[i % PALETTE.length];
    const dark = color.rgb.map((c) => Math.round(c * SECOND_COLOR_SCALE)) as Rgb;
    categories.push({
      id: i + 1,
      name: `${color.name}-${texture}-${shape}`,
      shape,
      texture,
      colors: [color.rgb, dark],
      shared: i < shared,
    });
  }
  return categories;
}
