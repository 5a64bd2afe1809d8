import { kernel } from '../../engine/kernel.js';
import { wordsPerRow } from './layout.js';

/**
 * Soft proposal masks f32 [N, T, H, W] → bits u32 [N, T, H, ceil(W/32)] (bit set where the value
 * is > threshold), fused with the maskness sums. A workgroup owns PACK_WORDS consecutive words of
 * one frame: it first stages their 32·PACK_WORDS floats in workgroup memory with coalesced loads
 * (lane i reads float i of each 32-float row segment, so a warp reads 128 contiguous bytes per
 * load), then each lane packs one word from the staged tile (row pitch 33 keeps the banks
 * distinct), and the workgroup's sum of soft values goes to `partial[frame, chunk]`. Outputs go at
 * word/element offsets so several videos can share one buffer.
 */
export const PACK_WORDS = 64;

export const packMasksKernel = kernel({
  name: 'pointcost_pack_masks',
  bindings: [
    { name: 'soft', type: 'f32', access: 'read' },
    { name: 'bits', type: 'u32', access: 'read_write' },
    { name: 'partial', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'frames', type: 'u32' }, // N * T
    { name: 'height', type: 'u32' },
    { name: 'width', type: 'u32' },
    { name: 'words_per_row', type: 'u32' },
    { name: 'chunks_per_frame', type: 'u32' },
    { name: 'bits_offset', type: 'u32' },
    { name: 'partial_offset', type: 'u32' },
    { name: 'threshold', type: 'f32' },
  ],
  workgroupSize: [PACK_WORDS, 1, 1],
  body: `
const PITCH: u32 = 33u;
const STEP: u32 = WG_X / 32u; // words staged per load round
var<workgroup> tile: array<f32, WG_X * PITCH>;
var<workgroup> sums: array<f32, WG_X>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  let frame = g / params.chunks_per_frame;
  let first = (g % params.chunks_per_frame) * WG_X;
  let frame_words = params.height * params.words_per_row;
  let live = frame < params.frames;
  let frame_base = frame * params.height * params.width;
  let bit = lid & 31u;
  // Stage: round k loads words first + k*STEP + lid/32, bit lid%32; (row, word-in-row) advance
  // incrementally so there is one division per lane, not one per float.
  var w = first + lid / 32u;
  var y = w / params.words_per_row;
  var xw = w % params.words_per_row;
  var s = 0.0;
  for (var k = 0u; k < 32u; k++) {
    var v = 0.0;
    let x = xw * 32u + bit;
    if (live && w < frame_words && x < params.width) {
      v = soft[frame_base + y * params.width + x];
      s += v;
    }
    tile[(k * STEP + lid / 32u) * PITCH + bit] = v;
    w += STEP;
    y = w / params.words_per_row;
    xw = w % params.words_per_row;
  }
  workgroupBarrier();
  let mine = first + lid;
  if (live && mine < frame_words) {
    let x0 = (mine % params.words_per_row) * 32u;
    let n = min(32u, params.width - x0);
    var word = 0u;
    for (var b = 0u; b < n; b++) {
      if (tile[lid * PITCH + b] > params.threshold) { word |= 1u << b; }
    }
    bits[params.bits_offset + frame * frame_words + mine] = word;
  }
  sums[lid] = s;
  workgroupBarrier();
  for (var stride = WG_X / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { sums[lid] = sums[lid] + sums[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u && live) { partial[params.partial_offset + g] = sums[0]; }
}
`,
});

/**
 * Partial sums [N, T, chunks] → per-frame maskness [N, T] (mean over H×W) and maskness [N]
 * (mean over T×H×W), in a fixed order so results are deterministic.
 */
export const masknessKernel = kernel({
  name: 'pointcost_maskness',
  bindings: [
    { name: 'partial', type: 'f32', access: 'read' },
    { name: 'maskness', type: 'f32', access: 'read_write' },
    { name: 'frame_maskness', type: 'f32', access: 'read_write' },
  ],
  params: [
    { name: 'n', type: 'u32' },
    { name: 'frames', type: 'u32' }, // T
    { name: 'chunks_per_frame', type: 'u32' },
    { name: 'partial_offset', type: 'u32' },
    { name: 'maskness_offset', type: 'u32' },
    { name: 'frame_offset', type: 'u32' },
    { name: 'inv_pixels', type: 'f32' }, // 1 / (H W)
    { name: 'inv_frames', type: 'f32' }, // 1 / T
  ],
  workgroupSize: [64, 1, 1],
  body: `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (i >= params.n) { return; }
  var total = 0.0;
  for (var t = 0u; t < params.frames; t++) {
    let f = i * params.frames + t;
    let at = params.partial_offset + f * params.chunks_per_frame;
    var s = 0.0;
    for (var c = 0u; c < params.chunks_per_frame; c++) { s += partial[at + c]; }
    let mean = s * params.inv_pixels;
    frame_maskness[params.frame_offset + f] = mean;
    total += mean;
  }
  maskness[params.maskness_offset + i] = total * params.inv_frames;
}
`,
});

export interface PackedReference {
  bits: Uint32Array;
  /** Mean soft value per proposal over T×H×W. */
  maskness: number[];
  /** Mean soft value per (proposal, frame) over H×W, [N, T]. */
  frameMaskness: number[];
}

/** CPU reference (float64 sums): packs [N, T, H, W] soft masks and measures their maskness. */
export function packMasksReference(
  soft: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  threshold = 0.5,
): PackedReference {
  const [n, frames, height, width] = shape;
  const ww = wordsPerRow(width);
  const bits = new Uint32Array(n * frames * height * ww);
  const maskness: number[] = [];
  const frameMaskness: number[] = [];
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let t = 0; t < frames; t++) {
      let s = 0;
      for (let y = 0; y < height; y++) {
        const row = ((i * frames + t) * height + y) * width;
        const out = ((i * frames + t) * height + y) * ww;
        for (let x = 0; x < width; x++) {
          const v = soft[row + x]!;
          s += v;
          if (v > threshold) bits[out + (x >>> 5)] |= 1 << (x & 31);
        }
      }
      const mean = height * width > 0 ? s / (height * width) : 0;
      frameMaskness.push(mean);
      total += mean;
    }
    maskness.push(frames > 0 ? total / frames : 0);
  }
  return { bits, maskness, frameMaskness };
}
