/**
 * Selecting the k most uncertain of the oversampled points of each mask (uncertainty −|logit|,
 * get_uncertain_point_coords_with_randomness), on the GPU and exact: torch.topk's set, ties
 * broken by position (the engine's topk takes the lower index first), kept in position order.
 * Only the set matters to the loss up to summation order, so topk runs unsorted, which also
 * keeps the points in the order the criterion's parity fixtures were made with.
 */
import {
  ShapeError,
  Tensor,
  abs,
  cast,
  cumsum,
  expand,
  gather,
  noGrad,
  ones,
  reshape,
  scatterAdd,
  sub,
  tidy,
  topk,
  where,
  zeros,
} from '../../../engine/index.js';

function checkRows(x: Tensor, k: number, what: string): [number, number] {
  if (x.ndim !== 2 || x.dtype !== 'f32') throw new ShapeError(`${what}: ${x.describe()} must be f32 [R, M]`);
  const [rows, m] = x.shape as [number, number];
  if (!(Number.isInteger(k) && k >= 0 && k <= m)) throw new ShapeError(`${what}: k ${k} for rows of ${m}`);
  return [rows, m];
}

/**
 * i32 [R, k]: the positions of the k entries of each row of x (f32 [R, M]) with the smallest
 * |x| (among equal values, the first ones), in increasing order. k ≤ M. Not differentiable.
 */
export function smallestMagnitudeIndices(x: Tensor, k: number): Tensor {
  checkRows(x, k, 'smallestMagnitudeIndices');
  return noGrad(() => tidy(() => topk(abs(x), k, 1, { largest: false, sorted: false }).indices));
}

/**
 * f32 0/1 [R, M]: 1 at the k entries of each row with the smallest |x| (among equal values, the
 * first ones). k ≤ M. Not differentiable.
 */
export function smallestMagnitudeMask(x: Tensor, k: number): Tensor {
  const [rows, m] = checkRows(x, k, 'smallestMagnitudeMask');
  return noGrad(() =>
    tidy(() => {
      if (k === 0 || rows === 0) return zeros([rows, m]);
      return scatterAdd(zeros([rows, m]), 1, smallestMagnitudeIndices(x, k), ones([rows, k]));
    }),
  );
}

/** points f32 [R, M, 2] at `indices` (i32 [R, k]) of each row: [R, k, 2]. Not differentiable. */
export function gatherPoints(points: Tensor, indices: Tensor): Tensor {
  const [rows, k] = indices.shape as [number, number];
  return noGrad(() => gather(points, 1, expand(reshape(indices, [rows, k, 1]), [rows, k, 2])));
}

/**
 * The rows of `points` f32 [R, M, 2] where `selected` (0/1 [R, M], exactly k ones per row) is
 * set, in their order: [R, k, 2]. Not differentiable.
 */
export function compactSelected(points: Tensor, selected: Tensor, k: number): Tensor {
  const [rows, m] = selected.shape as [number, number];
  return noGrad(() =>
    tidy(() => {
      const position = sub(cast(cumsum(selected, 1), 'i32'), 1);
      // Unselected points scatter to index −1, which scatter_add skips.
      const destination = where(selected, position, -1);
      const index = expand(reshape(destination, [rows, m, 1]), [rows, m, 2]);
      return scatterAdd(zeros([rows, k, 2]), 1, index, points);
    }),
  );
}
