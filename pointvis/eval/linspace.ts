/**
 * numpy.linspace(start, stop, num) with numpy's exact float arithmetic: value i is
 * i * step + start with step = (stop - start) / (num - 1), and the last value is `stop` itself.
 * This matters: ten of the 101 recall thresholds come out one ulp above i/100
 * (e.g. 0.7000000000000001), so a recall of exactly 0.7 does not reach that threshold.
 */
export function numpyLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** IoU thresholds 0.50:0.05:0.95, as the official evaluators build them. */
export const IOU_THRESHOLDS: Float64Array = numpyLinspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);

/** Recall thresholds 0:0.01:1 (101 values), as the official evaluators build them. */
export const RECALL_THRESHOLDS: Float64Array = numpyLinspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
