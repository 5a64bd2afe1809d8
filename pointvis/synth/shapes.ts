/**
 * Object silhouettes as exact point-membership tests in the object's own frame: (u, v) is the
 * offset from the object centre, rotated into the object's axes and divided by its radius.
 * Every shape lies inside the unit disk, so a renderer only needs to visit the pixels within
 * one radius of the centre. A pixel belongs to an object exactly when its centre passes the
 * test (no anti-aliasing), so masks and pixels agree.
 */

export const SHAPE_NAMES = [
  'disk',
  'square',
  'triangle',
  'ring',
  'cross',
  'star',
  'ellipse',
  'crescent',
  'halfdisk',
  'lshape',
] as const;

export type ShapeName = (typeof SHAPE_NAMES)[number];

export type ShapeTest = (u: number, v: number) => boolean;

const STAR_POINTS = 5;
const STAR_INNER = 0.45;

export const SHAPES: { [S in ShapeName]: ShapeTest } = {
  disk: (u, v) => u * u + v * v <= 1,
  square: (u, v) => Math.abs(u) <= 0.7 && Math.abs(v) <= 0.7,
  // Equilateral triangle with circumradius 1: inside all three edges (inradius 0.5).
  triangle: (u, v) => -v <= 0.5 && v * 0.5 - u * 0.8660254 <= 0.5 && v * 0.5 + u * 0.8660254 <= 0.5,
  ring: (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 1 && r2 >= 0.3;
  },
  cross: (u, v) => {
    const a = Math.abs(u);
    const b = Math.abs(v);
    return (a <= 0.28 && b <= 0.95) || (b <= 0.28 && a <= 0.95);
  },
  // Radius varies linearly between inner and outer radius with the angle: a five-pointed star.
  star: (u, v) => {
    const r = Math.hypot(u, v);
    const sector = (2 * Math.PI) / STAR_POINTS;
    const angle = Math.atan2(u, -v); // 0 at the top point
    const t = Math.abs(angle - sector * Math.round(angle / sector)) / (sector / 2); // 0 at a tip, 1 between
    return r <= 1 - (1 - STAR_INNER) * t;
  },
  ellipse: (u, v) => u * u + (v * v) / 0.3 <= 1,
  crescent: (u, v) => u * u + v * v <= 1 && (u - 0.5) * (u - 0.5) + v * v > 0.6,
  // Dome of radius 0.9 above a flat base at v = 0.35 (its corners stay inside the unit disk).
  halfdisk: (u, v) => v <= 0.35 && u * u + (v - 0.35) * (v - 0.35) <= 0.81,
  // A square with its upper-right quarter cut away.
  lshape: (u, v) => u >= -0.65 && u <= 0.65 && v >= -0.65 && v <= 0.65 && (u <= -0.15 || v >= 0.15),
};
