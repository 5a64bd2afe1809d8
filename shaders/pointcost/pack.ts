import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { workgroupSumWgsl } from '../core/wgsl-snippets.js';
import { wordsPerRow } from './layout.js';

/**
 * Soft proposal masks f32 [N, T, H, W] → bits u32 [N, T, H, ceil(W/32)] (bit set where the value
 * is > threshold), fused with the maskness sums: each workgroup packs PACK_WORDS words of one
 * frame and writes its frame-chunk's sum of soft values to `partial`. Each lane packs one word
 * from the 32 floats (128 contiguous bytes) it covers, as 8 vec4 loads when W is a multiple of 4:
 * a warp's first load brings its 4 KiB into L1 and the next seven hit it, so DRAM moves each
 * byte once. (A variant staging a coalesced tile in workgroup memory ran 5-8x slower on
 * SwiftShader; on a GPU this pass is bound by memory bandwidth either way, not measured on one
 * here.) Small workgroups: a
 * barrier costs SwiftShader per invocation, and 64 lanes keep an H100 SM full.
 * The input may be any contiguous view (an offset into a batch); outputs go at word/element
 * offsets so several videos can share one buffer.
 */
export const PACK_WORDS = 64;

const packCache = new Map<boolean, KernelSpec>();

export function packMasksKernel(vec4: boolean): KernelSpec {
  let spec = packCache.get(vec4);
  if (spec) return spec;
  const read = vec4
    ? `
    let base4 = (params.soft_offset + (frame * params.height + y) * params.width + x0) / 4u;
    let n4 = (x1 - x0) / 4u;
    for (var i = 0u; i < n4; i++) {
      let v = soft[base4 + i];
      s += (v.x + v.y) + (v.z + v.w);
      let hit = select(vec4<u32>(0u), vec4<u32>(1u), v > vec4<f32>(params.threshold));
      word |= (hit.x | (hit.y << 1u) | (hit.z << 2u) | (hit.w << 3u)) << (4u * i);
    }`
    : `
    let base = params.soft_offset + (frame * params.height + y) * params.width;
    for (var x = x0; x < x1; x++) {
      let v = soft[base + x];
      s += v;
      if (v > params.threshold) { word |= 1u << (x - x0); }
    }`;
  spec = kernel({
    name: vec4 ? 'pointcost_pack_masks_vec4' : 'pointcost_pack_masks',
    bindings: [
      { name: 'soft', type: vec4 ? 'vec4<f32>' : 'f32', access: 'read' },
      { name: 'bits', type: 'u32', access: 'read_write' },
      { name: 'partial', type: 'f32', access: 'read_write' },
    ],
    params: [
      { name: 'frames', type: 'u32' }, // N * T
      { name: 'height', type: 'u32' },
      { name: 'width', type: 'u32' },
      { name: 'soft_offset', type: 'u32' }, // element offset of the input view (a multiple of 4 for vec4)
      { name: 'words_per_row', type: 'u32' },
      { name: 'chunks_per_frame', type: 'u32' },
      { name: 'bits_offset', type: 'u32' },
      { name: 'partial_offset', type: 'u32' },
      { name: 'threshold', type: 'f32' },
    ],
    workgroupSize: [PACK_WORDS, 1, 1],
    body: `
${workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  let frame = g / params.chunks_per_frame;
  let w = (g % params.chunks_per_frame) * WG_X + lid;
  let frame_words = params.height * params.words_per_row;
  var s = 0.0;
  if (frame < params.frames && w < frame_words) {
    let y = w / params.words_per_row;
    let x0 = (w % params.words_per_row) * 32u;
    let x1 = min(x0 + 32u, params.width);
    var word = 0u;
    ${read}
    bits[params.bits_offset + frame * frame_words + w] = word;
  }
  let chunk_sum = workgroup_sum(s, lid);
  if (lid == 0u && frame < params.frames) { partial[params.partial_offset + g] = chunk_sum; }
}
`,
  });
  packCache.set(vec4, spec);
  return spec;
}

/**
 * Partial sums [N, T, chunks] → per-frame maskness [N, T] (mean over H×W) and maskness [N]
 * (mean over T×H×W), deterministic (fixed summation order). One workgroup per proposal: lane l
 * sums the chunks of frames l, l + 64, ..., then the lanes' totals are tree-reduced, so a long
 * video's thousands of partials are not read by one lane in sequence.
 */
export const MASKNESS_WG = 64;

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
    { name: 'inv_pixels', type: 'f32' }, // 1 / (H W), 0 when empty
    { name: 'inv_frames', type: 'f32' }, // 1 / T, 0 when empty
  ],
  workgroupSize: [MASKNESS_WG, 1, 1],
  body: `
${workgroupSumWgsl('f32')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup_index(wid, nwg);
  var total = 0.0;
  if (i < params.n) {
    for (var t = lid; t < params.frames; t += WG_X) {
      let f = i * params.frames + t;
      let at = params.partial_offset + f * params.chunks_per_frame;
      var s = 0.0;
      for (var c = 0u; c < params.chunks_per_frame; c++) { s += partial[at + c]; }
      let mean = s * params.inv_pixels;
      frame_maskness[params.frame_offset + f] = mean;
      total += mean;
    }
  }
  let frames_sum = workgroup_sum(total, lid);
  if (lid == 0u && i < params.n) { maskness[params.maskness_offset + i] = frames_sum * params.inv_frames; }
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
