import type { SynthCategory } from './categories';
import type { SynthPreset } from './presets';
import type { Rng } from './prng';

/**
 * Object motion for synthetic videos: each object follows a closed-form trajectory (constant
 * acceleration, exponential scale change, constant spin) between its birth and death frames.
 * A still image is the same thing with one frame and no motion.
 */
export interface ObjectTrack {
  category: SynthCategory;
  /** Drawing order: a higher depth is nearer the camera and hides lower ones. */
  depth: number;
  /** Present on frames birth ≤ t < death. */
  birth: number;
  death: number;
  x0: number;
  y0: number;
  vx: number;
  vy: number;
  ax: number;
  ay: number;
  radius0: number;
  scaleRate: number;
  angle0: number;
  spin: number;
}

/** Where an object is on one frame: centre and radius in pixels, rotation in radians. */
export interface ObjectPose {
  cx: number;
  cy: number;
  radius: number;
  angle: number;
}

const MIN_RADIUS = 1.5;

export function poseAt(track: ObjectTrack, t: number): ObjectPose | null {
  if (t < track.birth || t >= track.death) return null;
  return {
    cx: track.x0 + track.vx * t + 0.5 * track.ax * t * t,
    cy: track.y0 + track.vy * t + 0.5 * track.ay * t * t,
    radius: Math.max(MIN_RADIUS, track.radius0 * Math.exp(track.scaleRate * t)),
    angle: track.angle0 + track.spin * t,
  };
}

/** Categories for `count` objects: some reuse a category already in the scene. */
function pickCategories(
  rng: Rng,
  count: number,
  allowed: readonly SynthCategory[],
  sameProbability: number,
): SynthCategory[] {
  const chosen: SynthCategory[] = [];
  for (let k = 0; k < count; k++) {
    const reuse = chosen.length > 0 && rng.chance(sameProbability);
    chosen.push(reuse ? rng.pick(chosen) : rng.pick(allowed));
  }
  return chosen;
}

/** Tracks for one video of `frames` frames, objects drawn from `allowed` categories. */
export function sampleVideoTracks(
  rng: Rng,
  preset: SynthPreset,
  allowed: readonly SynthCategory[],
  frames: number,
): ObjectTrack[] {
  const { height, width } = preset;
  const side = Math.min(height, width);
  const count = rng.int(preset.videos.objects[0], preset.videos.objects[1]);
  const categories = pickCategories(rng, count, allowed, preset.sameCategoryProbability);
  const depths = rng.permutation(count);
  return categories.map((category, k) => {
    const radius0 = rng.uniform(preset.objectRadius[0], preset.objectRadius[1]) * side;
    const speed = rng.uniform(preset.speed[0], preset.speed[1]) * side;
    let heading = rng.uniform(0, 2 * Math.PI);
    let x0 = rng.uniform(0.1, 0.9) * width;
    let y0 = rng.uniform(0.1, 0.9) * height;
    if (rng.chance(preset.enterProbability)) {
      // Start just beyond one edge, partly or wholly outside, heading roughly inwards.
      const edge = rng.int(0, 3);
      const outside = rng.uniform(0.3, 1.1) * radius0;
      const inward = [0, Math.PI / 2, Math.PI, -Math.PI / 2][edge]; // from left, top, right, bottom
      heading = inward + rng.uniform(-0.5, 0.5);
      if (edge === 0) x0 = -outside;
      if (edge === 1) y0 = -outside;
      if (edge === 2) x0 = width + outside;
      if (edge === 3) y0 = height + outside;
    }
    const accelAngle = rng.uniform(0, 2 * Math.PI);
    const accel = rng.uniform(0, preset.maxAcceleration) * side;
    const half = Math.floor((frames - 1) / 2);
    const birth = frames > 2 && rng.chance(preset.birthProbability) ? rng.int(1, Math.max(1, half)) : 0;
    const earliestDeath = Math.max(birth + 2, frames - half);
    const dies = rng.chance(preset.deathProbability) && earliestDeath <= frames - 1;
    const death = dies ? rng.int(earliestDeath, frames - 1) : frames;
    return {
      category,
      depth: depths[k],
      birth,
      death,
      x0,
      y0,
      vx: speed * Math.cos(heading),
      vy: speed * Math.sin(heading),
      ax: accel * Math.cos(accelAngle),
      ay: accel * Math.sin(accelAngle),
      radius0,
      scaleRate: rng.uniform(-preset.maxScaleRate, preset.maxScaleRate),
      angle0: rng.uniform(0, 2 * Math.PI),
      spin: rng.uniform(-preset.maxSpin, preset.maxSpin),
    };
  });
}

/** Still objects for one image (a one-frame scene). */
export function sampleImageObjects(
  rng: Rng,
  preset: SynthPreset,
  allowed: readonly SynthCategory[],
): ObjectTrack[] {
  const { height, width } = preset;
  const side = Math.min(height, width);
  const count = rng.int(preset.images.objects[0], preset.images.objects[1]);
  const categories = pickCategories(rng, count, allowed, preset.sameCategoryProbability);
  const depths = rng.permutation(count);
  return categories.map((category, k) => ({
    category,
    depth: depths[k],
    birth: 0,
    death: 1,
    x0: rng.uniform(0.05, 0.95) * width,
    y0: rng.uniform(0.05, 0.95) * height,
    vx: 0,
    vy: 0,
    ax: 0,
    ay: 0,
    radius0: rng.uniform(preset.objectRadius[0], preset.objectRadius[1]) * side,
    scaleRate: 0,
    angle0: rng.uniform(0, 2 * Math.PI),
    spin: 0,
  }));
}
