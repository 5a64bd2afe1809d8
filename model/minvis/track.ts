/**
 * MinVIS tracking: every query of frame t is matched to a track by Hungarian assignment on
 * 1 − cosine similarity against the previous frame's embeddings in track order. All on the GPU:
 * the assignment indices drive gathers directly, nothing is read back.
 */
import {
  type Tensor,
  clamp,
  clone,
  expand,
  gather,
  hungarianBatched,
  HUNGARIAN_MAX_SIDE,
  matmul,
  mul,
  noGrad,
  reshape,
  rsqrt,
  slice,
  square,
  stack,
  sub,
  sum,
  tensor,
  tidy,
  transpose,
  unsqueeze,
  writeInto,
  zeros,
} from '../../engine/index.js';
import type { FrameOutputs, TrackedChunk } from './types.js';

/** x / ‖x‖ along the last axis (F.normalize's eps keeps an all-zero row at zero). */
export function l2Normalize(x: Tensor): Tensor {
  return tidy(() => mul(x, rsqrt(clamp(sum(square(x), -1, true), 1e-24))));
}

function checkVideo(v: FrameOutputs, b: number): [number, number, number] {
  const e = v.queryEmbeddings;
  if (e.ndim !== 3 || e.dtype !== 'f32') {
    throw new Error(`trackQueries: video ${b} queryEmbeddings ${e.describe()} must be f32 [T, Q, D]`);
  }
  const [t, q, d] = e.shape as [number, number, number];
  if (t === 0) throw new Error(`trackQueries: video ${b} has no frames`);
  const l = v.predLogits;
  const m = v.predMasks;
  if (l.ndim !== 3 || l.shape[0] !== t || l.shape[1] !== q) {
    throw new Error(`trackQueries: video ${b} predLogits ${l.describe()} must be [${t}, ${q}, C+1]`);
  }
  if (m.ndim !== 4 || m.shape[0] !== t || m.shape[1] !== q) {
    throw new Error(`trackQueries: video ${b} predMasks ${m.describe()} must be [${t}, ${q}, h, w]`);
  }
  return [t, q, d];
}

/**
 * Index `index` of `axis` as a view of x's storage. Unlike engine `select` (whose reshape copies
 * a non-contiguous slice), this stays a view, so it can be written through.
 */
function indexView(x: Tensor, axis: number, index: number): Tensor {
  const keepAxis = (_: number, d: number) => d !== axis;
  return x.view(x.shape.filter(keepAxis), x.strides.filter(keepAxis), x.offset + index * x.strides[axis]!);
}

/** Rows of x [T, Q, ...] reordered per frame: out[t, q] = x[t, perm[t, q]]. */
function permuteRows(x: Tensor, perm: Tensor): Tensor {
  const shape = [perm.shape[0]!, perm.shape[1]!, ...x.shape.slice(2).map(() => 1)];
  return gather(x, 1, expand(reshape(perm, shape), x.shape));
}

/**
 * Tracks the queries of several videos at once (one batched Hungarian dispatch per frame index).
 * Frame 0 keeps its query order unless `previous` (one [Q, D] per video: the `last` of an earlier
 * chunk of the same video) is given; then frame 0 is matched against it too. Videos may differ in
 * length; Q and D must agree. Inputs are not consumed; every returned tensor is new.
 */
export function trackQueries(videos: readonly FrameOutputs[], previous?: readonly Tensor[]): TrackedChunk[] {
  if (videos.length === 0) return [];
  const dims = videos.map(checkVideo);
  const [, q, d] = dims[0]!;
  dims.forEach(([, qb, db], b) => {
    if (qb !== q || db !== d)
      throw new Error(`trackQueries: video ${b} has [Q, D] = [${qb}, ${db}], video 0 [${q}, ${d}]`);
  });
  if (q > HUNGARIAN_MAX_SIDE) throw new Error(`trackQueries: ${q} queries exceed ${HUNGARIAN_MAX_SIDE}`);
  if (previous !== undefined) {
    if (previous.length !== videos.length)
      throw new Error(`trackQueries: ${previous.length} states for ${videos.length} videos`);
    previous.forEach((p, b) => {
      if (p.ndim !== 2 || p.shape[0] !== q || p.shape[1] !== d) {
        throw new Error(`trackQueries: previous[${b}] ${p.describe()} must be [${q}, ${d}]`);
      }
    });
  }
  const batch = videos.length;
  const lengths = dims.map(([t]) => t);
  const frames = Math.max(...lengths);

  return noGrad(() =>
    tidy(() => {
      // All videos' embeddings in one zero-padded [B, Tmax, Q, D] block, normalised together.
      const raw = zeros([batch, frames, q, d]);
      videos.forEach((v, b) => {
        const target = slice(indexView(raw, 0, b), 0, 0, lengths[b]!);
        writeInto(target, v.queryEmbeddings);
      });
      const normed = l2Normalize(raw);
      const perm = zeros([batch, frames, q], 'i32');
      const sizes = tensor(
        Int32Array.from({ length: 2 * batch }, () => q),
        [batch, 2],
        'i32',
      );
      const lasts: (Tensor | null)[] = videos.map(() => null);
      const saveLasts = (t: number, state: Tensor): void => {
        lengths.forEach((len, b) => {
          if (len === t + 1) lasts[b] = clone(indexView(state, 0, b));
        });
      };

      let state: Tensor;
      let start: number;
      if (previous === undefined) {
        const identity = tensor(
          Int32Array.from({ length: q }, (_, i) => i),
          [q],
          'i32',
        );
        writeInto(indexView(perm, 1, 0), expand(identity, [batch, q]));
        state = indexView(normed, 1, 0);
        saveLasts(0, state);
        start = 1;
      } else {
        state = stack(previous);
        start = 0;
      }
      for (let t = start; t < frames; t++) {
        const current = indexView(normed, 1, t);
        // cost[b, i, j] = 1 − ⟨track i, query j⟩; assignment[b, i] = the query that continues track i.
        const cost = sub(1, matmul(state, transpose(current, 1, 2)));
        const assignment = hungarianBatched(cost, sizes);
        writeInto(indexView(perm, 1, t), assignment);
        state = gather(current, 1, expand(unsqueeze(assignment, 2), [batch, q, d]));
        saveLasts(t, state);
      }

      return videos.map((v, b) => {
        const p = clone(slice(indexView(perm, 0, b), 0, 0, lengths[b]!));
        return {
          predLogits: permuteRows(v.predLogits, p),
          predMasks: permuteRows(v.predMasks, p),
          queryEmbeddings: permuteRows(v.queryEmbeddings, p),
          permutation: p,
          last: lasts[b]!,
        };
      });
    }),
  );
}
