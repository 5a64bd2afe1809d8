/**
 * Surface patterns painted on objects, in the object's own frame (they move and turn with it).
 * A texture gives, per pixel, the weight of the object's second colour: 0 = first colour,
 * 1 = second, in between only for the gradient. So every object pixel lies on the segment
 * between the category's two colours, which tests can check without knowing the pattern.
 */

export const TEXTURE_NAMES = ['solid', 'stripes', 'checker', 'dots', 'gradient', 'rings'] as const;

export type TextureName = (typeof TEXTURE_NAMES)[number];

/**
 * (x, y): pixel offset from the object centre in the object's rotated axes (pixels, not
 * normalised); radius: the object's radius in pixels; period: the pattern period in pixels.
 */
export type TextureWeight = (x: number, y: number, radius: number, period: number) => number;

const DOT_RADIUS = 0.32; // in periods

export const TEXTURES: { [T in TextureName]: TextureWeight } = {
  solid: () => 0,
  stripes: (x, _y, _r, period) => Math.floor(x / period) & 1,
  checker: (x, y, _r, period) => (Math.floor(x / period) + Math.floor(y / period)) & 1,
  dots: (x, y, _r, period) => {
    const dx = x / period - Math.round(x / period);
    const dy = y / period - Math.round(y / period);
    return dx * dx + dy * dy <= DOT_RADIUS * DOT_RADIUS ? 1 : 0;
  },
  gradient: (x, _y, radius) => Math.min(1, Math.max(0, (x / radius + 1) / 2)),
  rings: (x, y, _r, period) => Math.floor(Math.hypot(x, y) / period) & 1,
};
