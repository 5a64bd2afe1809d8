/**
 * Size and difficulty knobs of the synthetic benchmark. A preset is plain data: every count the
 * generator uses comes from here, so a new preset (or a test's shrunken one) is a small delta
 * on an existing one.
 */

/** [min, max], both inclusive for integers. */
export type Range = [number, number];

export interface SynthSplitCounts {
  train: number;
  valid: number;
}

export interface SynthPreset {
  name: string;
  /** Frame and image size in pixels. */
  height: number;
  width: number;
  /** Categories present in both images and videos ("shared", the COCO-overlap analog) and video-only ones ("novel"). */
  sharedCategories: number;
  novelCategories: number;
  images: SynthSplitCounts & { objects: Range };
  videos: SynthSplitCounts & { frames: Range; objects: Range };
  /** Probability that an object reuses a category already present in its video or image. */
  sameCategoryProbability: number;
  /** Object radius (the shape's circumscribed circle) as a fraction of min(height, width). */
  objectRadius: Range;
  /** Speed in fractions of min(height, width) per frame. */
  speed: Range;
  /** Largest acceleration, fraction of min(height, width) per frame². */
  maxAcceleration: number;
  /** Largest growth rate of the radius per frame (log scale: radius·e^(rate·t)). */
  maxScaleRate: number;
  /** Largest rotation speed, radians per frame. */
  maxSpin: number;
  /** Probability that an object starts outside the frame and moves in. */
  enterProbability: number;
  /** Probabilities that an object is born after the first frame / dies before the last. */
  birthProbability: number;
  deathProbability: number;
  /** Period of the object textures (stripes, checker, dots, rings) in pixels. */
  texturePeriod: number;
  /** Frames where an object shows fewer visible pixels than this do not draw it and annotate null. */
  minVisibleArea: number;
  /** Largest per-pixel noise added to backgrounds (grey levels), redrawn every frame. */
  backgroundNoise: number;
  /** Number of soft colour blobs on each background. */
  backgroundBlobs: Range;
  jpegQuality: number;
}

const TINY: SynthPreset = {
  name: 'tiny',
  height: 64,
  width: 64,
  sharedCategories: 6,
  novelCategories: 2,
  images: { train: 48, valid: 16, objects: [1, 3] },
  videos: { train: 24, valid: 12, frames: [6, 8], objects: [2, 4] },
  sameCategoryProbability: 0.3,
  objectRadius: [0.11, 0.24],
  speed: [0.01, 0.045],
  maxAcceleration: 0.003,
  maxScaleRate: 0.05,
  maxSpin: 0.12,
  enterProbability: 0.2,
  birthProbability: 0.2,
  deathProbability: 0.2,
  texturePeriod: 4,
  minVisibleArea: 4,
  backgroundNoise: 8,
  backgroundBlobs: [2, 5],
  jpegQuality: 92,
};

const SMALL: SynthPreset = {
  ...TINY,
  name: 'small',
  height: 128,
  width: 128,
  images: { train: 400, valid: 80, objects: [1, 4] },
  videos: { train: 300, valid: 60, frames: [8, 16], objects: [2, 5] },
  objectRadius: [0.08, 0.22],
  speed: [0.008, 0.035],
  texturePeriod: 6,
  backgroundBlobs: [3, 7],
};

const MEDIUM: SynthPreset = {
  ...SMALL,
  name: 'medium',
  height: 256,
  width: 320,
  sharedCategories: 9,
  novelCategories: 3,
  images: { train: 2000, valid: 300, objects: [1, 5] },
  videos: { train: 800, valid: 120, frames: [12, 24], objects: [2, 5] },
  objectRadius: [0.06, 0.2],
  speed: [0.005, 0.025],
  texturePeriod: 8,
  backgroundBlobs: [4, 10],
};

export const SYNTH_PRESETS = { tiny: TINY, small: SMALL, medium: MEDIUM } as const;

export type SynthPresetName = keyof typeof SYNTH_PRESETS;

export function isSynthPresetName(name: string): name is SynthPresetName {
  return Object.hasOwn(SYNTH_PRESETS, name);
}
