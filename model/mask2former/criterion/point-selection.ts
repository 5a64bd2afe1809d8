/**
 * Selecting the k most uncertain of the oversampled points of each mask, on the GPU and exact
 * (torch.topk's set, ties broken by position), without a sort: the k-th smallest |logit| of each
 * row is found by bisection on its float bits, then the selected points are compacted in order.
 *
 * For non-negative floats the IEEE bit pattern, read as an unsigned integer, orders like the
 * value, so 31 halvings of the u32 range pin the k-th smallest value exactly.
 */
import {
  ShapeError,
  Tensor,
  abs,
  add,
  cast,
  contiguous,
  cumsum,
  eq,
  expand,
  le,
  logicalAnd,
  logicalOr,
  lt,
  noGrad,
  reshape,
  scatterAdd,
  sub,
  sum,
  tidy,
  where,
  zeros,
} from '../../../engine/index.js';

/** The bits of a dense f32 tensor as u32 (a view of the same storage; no autograd). */
function floatBits(x: Tensor): Tensor {
  const dense = contiguous(x);
  dense.storage.retain();
  const bits = new Tensor(dense.storage, dense.shape, 'u32', dense.strides, dense.offset);
  if (dense !== x) dense.dispose();
  return bits;
}

/**
 * f32 0/1 [R, M]: 1 at the k entries of each row with the smallest |x| (among equal values, the
 * first ones). k ≤ M. Not differentiable.
 */
export function smallestMagnitudeMask(x: Tensor, k: number): Tensor {
  if (x.ndim !== 2 || x.dtype !== 'f32')
    throw new ShapeError(`smallestMagnitudeMask: ${x.describe()} must be f32 [R, M]`);
  const [rows, m] = x.shape as [number, number];
  if (!(Number.isInteger(k) && k >= 0 && k <= m))
    throw new ShapeError(`smallestMagnitudeMask: k ${k} for rows of ${m}`);
  return noGrad(() =>
    tidy(() => {
      if (k === 0 || rows === 0) return zeros([rows, m]);
      const keys = floatBits(abs(x)); // ≤ 0x7fffffff: bit 31 is always clear
      // Bit by bit from the top: the answer T is the smallest key with #(key ≤ T) ≥ k.
      let prefix = zeros([rows, 1], 'u32');
      for (let bit = 30; bit >= 0; bit--) {
        prefix = tidy(() => {
          const probe = add(prefix, 2 ** bit - 1); // prefix with this bit 0 and all below 1
          const enough = sum(le(keys, probe), -1, true);
          return where(lt(enough, k), add(prefix, 2 ** bit), prefix);
        });
      }
      const less = lt(keys, prefix);
      const ties = eq(keys, prefix);
      const needed = sub(k, sum(less, -1, true));
      return logicalOr(less, logicalAnd(ties, le(cumsum(ties, 1), needed)));
    }),
  );
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
