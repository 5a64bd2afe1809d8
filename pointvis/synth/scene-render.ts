import { makeBackground } from './background';
import type { SynthCategory } from './categories';
import type { SynthPreset } from './presets';
import type { Rng } from './prng';
import { renderFrame, type FrameSettings, type RenderedFrame } from './render';
import { poseAt, sampleImageObjects, sampleVideoTracks, type ObjectTrack } from './scene';

/** A rendered synthetic video (or image: one frame), before any file is written. */
export interface RenderedScene {
  tracks: ObjectTrack[];
  frames: RenderedFrame[];
}

// A scene where every object ended up invisible is redrawn from a fresh stream, a few times.
const MAX_ATTEMPTS = 8;

function frameSettings(preset: SynthPreset): FrameSettings {
  return {
    texturePeriod: preset.texturePeriod,
    minVisibleArea: preset.minVisibleArea,
    backgroundNoise: preset.backgroundNoise,
  };
}

function anyVisible(scene: RenderedScene): boolean {
  return scene.frames.some((frame) => frame.visibleArea.some((area) => area > 0));
}

function renderTracks(rng: Rng, preset: SynthPreset, tracks: ObjectTrack[], length: number): RenderedScene {
  const { height, width } = preset;
  const background = makeBackground(rng.fork('background'), height, width, preset.backgroundBlobs);
  const settings = frameSettings(preset);
  const frames: RenderedFrame[] = [];
  for (let t = 0; t < length; t++) {
    const poses = tracks.map((track) => poseAt(track, t));
    frames.push(renderFrame(background, height, width, tracks, poses, settings, rng.fork('noise', t)));
  }
  return { tracks, frames };
}

/** One video: its length, objects and motion drawn from `rng`, objects from `allowed` categories. */
export function renderVideoScene(
  rng: Rng,
  preset: SynthPreset,
  allowed: readonly SynthCategory[],
): RenderedScene {
  let scene: RenderedScene | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const r = rng.fork('attempt', attempt);
    const length = r.int(preset.videos.frames[0], preset.videos.frames[1]);
    const tracks = sampleVideoTracks(r.fork('tracks'), preset, allowed, length);
    scene = renderTracks(r, preset, tracks, length);
    if (anyVisible(scene)) break;
  }
  return scene as RenderedScene;
}

/** One still image with objects from `allowed` categories. */
export function renderImageScene(
  rng: Rng,
  preset: SynthPreset,
  allowed: readonly SynthCategory[],
): RenderedScene {
  let scene: RenderedScene | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const r = rng.fork('attempt', attempt);
    scene = renderTracks(r, preset, sampleImageObjects(r.fork('objects'), preset, allowed), 1);
    if (anyVisible(scene)) break;
  }
  return scene as RenderedScene;
}
