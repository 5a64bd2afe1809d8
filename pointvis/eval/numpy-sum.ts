/**
 * Sums and means in the order numpy adds float64 arrays (pairwise summation with an 8-way
 * unrolled base case), so averages such as a ground truth's mean area land on exactly the same
 * double as the official Python evaluator's; that matters at inclusive range bounds.
 */
function pairwiseSum(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i];
    return sum;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let sum = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, n - half);
}

/** numpy's float64 sum of a 1-D array. */
export function numpySum(values: ArrayLike<number>): number {
  return pairwiseSum(values, 0, values.length);
}

/** numpy's float64 mean of a 1-D array; NaN for an empty one (callers avoid that case). */
export function numpyMean(values: ArrayLike<number>): number {
  return numpySum(values) / values.length;
}
