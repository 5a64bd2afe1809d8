/** Float64 CPU references for matmul and linear, with PyTorch's shape rules. */

function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`matmulReference: batch [${a}] vs [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Row-major index of `idx` (an index into `outShape`) in a broadcast operand of shape `shape`. */
function broadcastOffset(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  const lead = idx.length - shape.length;
  for (let i = 0; i < shape.length; i++) off = off * shape[i]! + (shape[i] === 1 ? 0 : idx[lead + i]!);
  return off;
}

/** torch.matmul on dense row-major data; returns the result and its shape. */
export function matmulReference(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
): { data: number[]; shape: number[] } {
  if (aShape.length === 0 || bShape.length === 0) throw new Error('matmulReference: scalar operand');
  const a2 = aShape.length === 1 ? [1, aShape[0]!] : [...aShape];
  const b2 = bShape.length === 1 ? [bShape[0]!, 1] : [...bShape];
  const [m, k] = a2.slice(-2) as [number, number];
  const [k2, n] = b2.slice(-2) as [number, number];
  if (k !== k2) throw new Error(`matmulReference: inner dims ${k} vs ${k2}`);
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastBatch(aBatch, bBatch);
  const nb = batch.reduce((x, y) => x * y, 1);
  const out = new Array<number>(nb * m * n).fill(0);
  const idx = new Array<number>(batch.length).fill(0);
  for (let z = 0; z < nb; z++) {
    let rest = z;
    for (let i = batch.length - 1; i >= 0; i--) {
      idx[i] = rest % batch[i]!;
      rest = Math.floor(rest / batch[i]!);
    }
    const ao = broadcastOffset(idx, aBatch) * m * k;
    const bo = broadcastOffset(idx, bBatch) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[ao + i * k + t]! * b[bo + t * n + j]!;
        out[z * m * n + i * n + j] = s;
      }
    }
  }
  const shape = [...batch];
  if (aShape.length > 1) shape.push(m);
  if (bShape.length > 1) shape.push(n);
  return { data: out, shape };
}

/** x[..., in] · weight[out, in]ᵀ + bias[out]. */
export function linearReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  weight: ArrayLike<number>,
  outFeatures: number,
  bias?: ArrayLike<number>,
): number[] {
  const inFeatures = xShape[xShape.length - 1]!;
  const rows = x.length / inFeatures;
  const out = new Array<number>(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < inFeatures; i++) s += x[r * inFeatures + i]! * weight[o * inFeatures + i]!;
      out[r * outFeatures + o] = s;
    }
  }
  return out;
}

/** out[c] = sum over o, i of x[o][c][i] (bias gradients, split-K partial sums). */
export function sumOuterInnerReference(
  x: ArrayLike<number>,
  outer: number,
  channels: number,
  inner: number,
): number[] {
  const out = new Array<number>(channels).fill(0);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < inner; i++) out[c] += x[(o * channels + c) * inner + i]!;
    }
  }
  return out;
}
