// The synthetic benchmark: a deterministic COCO-like image set and YouTube-VIS-like video set.
export { generateSynth, videoName, SYNTH_SPLITS, SYNTH_GENERATOR, SYNTH_FORMAT_VERSION } from './generate';
export type { SynthOptions, SynthMeta, SynthSplit, SynthImageCounts, SynthVideoCounts } from './generate';
export { SYNTH_PRESETS, isSynthPresetName } from './presets';
export type { SynthPreset, SynthPresetName, Range } from './presets';
export { buildCategories } from './categories';
export type { SynthCategory, Rgb } from './categories';
export { Rng } from './prng';
export { encodeRgbJpeg } from './jpeg';
export { renderVideoScene, renderImageScene } from './scene-render';
export type { RenderedScene } from './scene-render';
export { ownerMask } from './render';
export type { RenderedFrame } from './render';
export type { ObjectTrack, ObjectPose } from './scene';
export { SHAPES, SHAPE_NAMES } from './shapes';
export type { ShapeName } from './shapes';
export { TEXTURES, TEXTURE_NAMES } from './textures';
export type { TextureName } from './textures';
