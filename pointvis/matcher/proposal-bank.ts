import {
  type Tensor,
  concat,
  packProposalMaskList,
  reshape,
  tensor,
  wordsPerRow,
} from '../../engine/index.js';
import { PointvisDataError } from '../errors';
import type { MaskShape, MatcherVideo } from './types';

/** Where one video's proposals live in the bank's shared buffers. */
export interface VideoBlock {
  readonly shape: MaskShape;
  /** Word offset of its packed [R, T, H, Ww] block in `bits`. */
  readonly bitsOffset: number;
  /** Offset of its R scores (maskness or the given confidence) in `scores`. */
  readonly scoreOffset: number;
  /** Offset of its per-frame maskness [R, T] in `scores`; null when scores were given. */
  readonly frameScoreOffset: number | null;
}

/** All videos' packed masks in one u32 buffer and all their scores in one f32 buffer. */
export interface ProposalBank {
  readonly bits: Tensor;
  readonly scores: Tensor;
  readonly blocks: readonly VideoBlock[];
}

function fail(file: string, field: string, problem: string): never {
  throw new PointvisDataError(problem, { file, field });
}

function checkShape(shape: MaskShape | undefined, file: string, field: string): MaskShape {
  if (!shape || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    return fail(
      file,
      field,
      `masks need a shape [R, T, H, W] of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return shape;
}

function maskShapeOf(video: MatcherVideo, file: string, field: string): MaskShape {
  const p = video.proposals;
  if ('soft' in p) {
    if (p.soft instanceof Float32Array) {
      const shape = checkShape(p.shape, file, field);
      if (p.soft.length !== shape[0] * shape[1] * shape[2] * shape[3]) {
        fail(file, field, `${p.soft.length} soft values do not fill masks [${shape.join(', ')}]`);
      }
      return shape;
    }
    if (p.soft.dtype !== 'f32' || p.soft.ndim !== 4)
      fail(file, field, `soft masks ${p.soft.describe()} must be f32 [R, T, H, W]`);
    return [p.soft.shape[0]!, p.soft.shape[1]!, p.soft.shape[2]!, p.soft.shape[3]!];
  }
  const shape = checkShape(p.shape, file, field);
  const words = shape[0] * shape[1] * shape[2] * wordsPerRow(shape[3]);
  const size = p.bits instanceof Uint32Array ? p.bits.length : p.bits.size;
  if (size !== words)
    fail(file, field, `${size} packed words for masks [${shape.join(', ')}] (needs ${words})`);
  if (!(p.bits instanceof Uint32Array) && p.bits.dtype !== 'u32')
    fail(file, field, `packed masks ${p.bits.describe()} must be u32`);
  if (video.scores === undefined)
    fail(file, field, 'packed masks carry no maskness: give `scores` for their proposals');
  return shape;
}

/** One 1-D tensor from several: the only non-empty one as it is, else a concatenation. */
function joinNonEmpty(parts: Tensor[]): Tensor {
  const nonEmpty = parts.filter((t) => t.size > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  return concat(nonEmpty.length > 0 ? nonEmpty : parts.slice(0, 1));
}

/**
 * When every GPU-packed video is a contiguous view of the same storage (e.g. per-video slices of
 * one [B·R, T, H, Ww] batch), a flat view of that whole storage, so no mask word is copied.
 */
function sharedStorageView(videos: readonly MatcherVideo[], index: readonly number[]): Tensor | null {
  if (index.length === 0) return null;
  const tensors = index.map((b) => (videos[b]!.proposals as { bits: Tensor }).bits);
  const storage = tensors[0]!.storage;
  if (!tensors.every((t) => t.storage === storage && t.isContiguous())) return null;
  return tensors[0]!.view([storage.bytes / 4], [1], 0);
}

/**
 * Gathers every video's proposals into one bank: soft masks are packed and measured on the GPU
 * (two dispatches per video), packed CPU masks are uploaded in one piece, and GPU-packed masks
 * are copied in. Call inside `tidy`: the intermediate tensors are not disposed here.
 */
export function assembleProposalBank(
  videos: readonly MatcherVideo[],
  threshold: number,
  file: string,
): ProposalBank {
  const shapes = videos.map((v, b) => maskShapeOf(v, file, `videos[${b}].proposals`));
  videos.forEach((v, b) => {
    if (v.scores !== undefined && v.scores.length !== shapes[b]![0]) {
      fail(file, `videos[${b}].scores`, `${v.scores.length} scores for ${shapes[b]![0]} proposals`);
    }
  });
  const softIndex: number[] = [];
  const softTensors: Tensor[] = [];
  const cpuBitIndex: number[] = [];
  const gpuBitIndex: number[] = [];
  videos.forEach((v, b) => {
    const p = v.proposals;
    if ('soft' in p) {
      softIndex.push(b);
      softTensors.push(p.soft instanceof Float32Array ? tensor(p.soft, [...shapes[b]!]) : p.soft);
    } else if (p.bits instanceof Uint32Array) cpuBitIndex.push(b);
    else gpuBitIndex.push(b);
  });
  const packed = packProposalMaskList(softTensors, threshold);

  // Bits: GPU-packed masks that are all dense views of one storage (slices of a batch tensor)
  // are addressed in place; otherwise [packed soft | CPU-packed | GPU-packed...] are joined.
  const bitsOffset = new Array<number>(videos.length).fill(0);
  const shared =
    softIndex.length === 0 && cpuBitIndex.length === 0 ? sharedStorageView(videos, gpuBitIndex) : null;
  let bits: Tensor;
  if (shared) {
    for (const b of gpuBitIndex) bitsOffset[b] = (videos[b]!.proposals as { bits: Tensor }).bits.offset;
    bits = shared;
  } else {
    softIndex.forEach((b, i) => (bitsOffset[b] = packed.blocks[i]!.bitsOffset));
    let words = packed.bits.size;
    const cpuWords: Uint32Array[] = [];
    for (const b of cpuBitIndex) {
      const cpu = (videos[b]!.proposals as { bits: Uint32Array }).bits;
      bitsOffset[b] = words;
      words += cpu.length;
      cpuWords.push(cpu);
    }
    const parts: Tensor[] = [packed.bits];
    if (cpuWords.length > 0) {
      const joined = new Uint32Array(cpuWords.reduce((n, w) => n + w.length, 0));
      let at = 0;
      for (const w of cpuWords) {
        joined.set(w, at);
        at += w.length;
      }
      parts.push(tensor(joined, [joined.length], 'u32'));
    }
    for (const b of gpuBitIndex) {
      const gpu = (videos[b]!.proposals as { bits: Tensor }).bits;
      bitsOffset[b] = words;
      words += gpu.size;
      parts.push(reshape(gpu, [gpu.size]));
    }
    bits = joinNonEmpty(parts);
  }

  // Scores: [maskness of soft videos | their per-frame maskness | given scores].
  const scoreOffset = new Array<number>(videos.length).fill(0);
  const frameScoreOffset = new Array<number | null>(videos.length).fill(null);
  softIndex.forEach((b, i) => {
    scoreOffset[b] = packed.blocks[i]!.masknessOffset;
    frameScoreOffset[b] = packed.maskness.size + packed.blocks[i]!.frameOffset;
  });
  const given: number[] = [];
  let scoreAt = packed.maskness.size + packed.frameMaskness.size;
  videos.forEach((v, b) => {
    if (v.scores === undefined) return;
    scoreOffset[b] = scoreAt;
    frameScoreOffset[b] = null;
    for (let r = 0; r < v.scores.length; r++) given.push(v.scores[r]!);
    scoreAt += v.scores.length;
  });
  const scoreParts = [packed.maskness, packed.frameMaskness];
  if (given.length > 0) scoreParts.push(tensor(given, [given.length], 'f32'));
  const scores = joinNonEmpty(scoreParts);

  return {
    bits,
    scores,
    blocks: videos.map((_, b) => ({
      shape: shapes[b]!,
      bitsOffset: bitsOffset[b]!,
      scoreOffset: scoreOffset[b]!,
      frameScoreOffset: frameScoreOffset[b]!,
    })),
  };
}
