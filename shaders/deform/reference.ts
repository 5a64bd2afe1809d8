/**
 * Float64 CPU references of the multi-scale deformable attention core, written from the
 * formula as the official `ms_deform_attn_core_pytorch` states it: split the value by level,
 * view each level as [N·M, D, H, W], grid_sample it (bilinear, zeros, align_corners=False) at
 * the grid 2·loc − 1, then weight the samples by the attention weights and sum over levels and
 * points. Unfused on purpose: it shares no arithmetic with the kernels.
 */

export type LevelShapes = readonly (readonly [number, number])[];

export interface DeformDims {
  batch: number; // N
  queries: number; // Lq
  heads: number; // M
  channels: number; // D per head
  points: number; // P
  shapes: LevelShapes; // [H_l, W_l]
}

/** Offsets of each level's first token in the flattened value (official `level_start_index`). */
export function levelStartIndex(shapes: LevelShapes): number[] {
  const starts: number[] = [];
  let s = 0;
  for (const [h, w] of shapes) {
    starts.push(s);
    s += h * w;
  }
  return starts;
}

export function totalTokens(shapes: LevelShapes): number {
  return shapes.reduce((acc, [h, w]) => acc + h * w, 0);
}

/**
 * F.grid_sample(input [B, C, H, W], grid [B, Ho, Wo, 2] in [-1, 1], bilinear, zeros,
 * align_corners=False) → [B, C, Ho, Wo], exactly as PyTorch unnormalises the grid.
 */
export function gridSampleZerosReference(
  input: ArrayLike<number>,
  [b, c, h, w]: readonly [number, number, number, number],
  grid: ArrayLike<number>,
  [ho, wo]: readonly [number, number],
): Float64Array {
  const out = new Float64Array(b * c * ho * wo);
  const at = (bi: number, ci: number, y: number, x: number) =>
    y >= 0 && y < h && x >= 0 && x < w ? input[((bi * c + ci) * h + y) * w + x]! : 0;
  for (let bi = 0; bi < b; bi++) {
    for (let i = 0; i < ho * wo; i++) {
      const gx = grid[(bi * ho * wo + i) * 2]!;
      const gy = grid[(bi * ho * wo + i) * 2 + 1]!;
      const ix = ((gx + 1) * w - 1) / 2;
      const iy = ((gy + 1) * h - 1) / 2;
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const tx = ix - x0;
      const ty = iy - y0;
      for (let ci = 0; ci < c; ci++) {
        out[(bi * c + ci) * ho * wo + i] =
          at(bi, ci, y0, x0) * (1 - tx) * (1 - ty) +
          at(bi, ci, y0, x0 + 1) * tx * (1 - ty) +
          at(bi, ci, y0 + 1, x0) * (1 - tx) * ty +
          at(bi, ci, y0 + 1, x0 + 1) * tx * ty;
      }
    }
  }
  return out;
}

/**
 * ms_deform_attn_core: value [N, S, M, D], loc [N, Lq, M, L, P, 2], attn [N, Lq, M, L, P]
 * → [N, Lq, M·D].
 */
export function msDeformAttnReference(
  value: ArrayLike<number>,
  loc: ArrayLike<number>,
  attn: ArrayLike<number>,
  dims: DeformDims,
): Float64Array {
  const { batch: N, queries: Lq, heads: M, channels: D, points: P, shapes } = dims;
  const L = shapes.length;
  const S = totalTokens(shapes);
  const starts = levelStartIndex(shapes);
  // samples[l]: grid_sample output [N·M, D, Lq, P].
  const samples = shapes.map(([h, w], l) => {
    // value_l [N, H·W, M, D] → [N·M, D, H, W]
    const plane = new Float64Array(N * M * D * h * w);
    for (let n = 0; n < N; n++)
      for (let t = 0; t < h * w; t++)
        for (let m = 0; m < M; m++)
          for (let d = 0; d < D; d++)
            plane[((n * M + m) * D + d) * h * w + t] = value[((n * S + starts[l]! + t) * M + m) * D + d]!;
    // loc[:, :, :, l] [N, Lq, M, P, 2] → grid [N·M, Lq, P, 2] = 2·loc − 1
    const grid = new Float64Array(N * M * Lq * P * 2);
    for (let n = 0; n < N; n++)
      for (let q = 0; q < Lq; q++)
        for (let m = 0; m < M; m++)
          for (let p = 0; p < P; p++)
            for (let k = 0; k < 2; k++)
              grid[(((n * M + m) * Lq + q) * P + p) * 2 + k] =
                2 * loc[((((n * Lq + q) * M + m) * L + l) * P + p) * 2 + k]! - 1;
    return gridSampleZerosReference(plane, [N * M, D, h, w], grid, [Lq, P]);
  });
  const out = new Float64Array(N * Lq * M * D);
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Lq; q++)
      for (let m = 0; m < M; m++)
        for (let d = 0; d < D; d++) {
          let s = 0;
          for (let l = 0; l < L; l++)
            for (let p = 0; p < P; p++) {
              const a = attn[(((n * Lq + q) * M + m) * L + l) * P + p]!;
              s += a * samples[l]![(((n * M + m) * D + d) * Lq + q) * P + p]!;
            }
          out[((n * Lq + q) * M + m) * D + d] = s;
        }
  return out;
}

export interface DeformGrads {
  value: Float64Array;
  loc: Float64Array;
  attn: Float64Array;
}

/**
 * The vector-Jacobian product of `msDeformAttnReference` for a cotangent g [N, Lq, M·D], from
 * the derivative of the bilinear formula (pixel = x·W − 0.5, so ∂pixel/∂x = W). For checking
 * the kernels on shapes too large for finite differences; itself checked against them.
 */
export function msDeformAttnReferenceBackward(
  value: ArrayLike<number>,
  loc: ArrayLike<number>,
  attn: ArrayLike<number>,
  grad: ArrayLike<number>,
  dims: DeformDims,
): DeformGrads {
  const { batch: N, queries: Lq, heads: M, channels: D, points: P, shapes } = dims;
  const L = shapes.length;
  const S = totalTokens(shapes);
  const starts = levelStartIndex(shapes);
  const gValue = new Float64Array(N * S * M * D);
  const gLoc = new Float64Array(N * Lq * M * L * P * 2);
  const gAttn = new Float64Array(N * Lq * M * L * P);
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Lq; q++)
      for (let m = 0; m < M; m++)
        for (let l = 0; l < L; l++) {
          const [h, w] = shapes[l]!;
          for (let p = 0; p < P; p++) {
            const i = (((n * Lq + q) * M + m) * L + l) * P + p;
            const px = loc[2 * i]! * w - 0.5;
            const py = loc[2 * i + 1]! * h - 0.5;
            const x0 = Math.floor(px);
            const y0 = Math.floor(py);
            const fx = px - x0;
            const fy = py - y0;
            const a = attn[i]!;
            const row = (y: number, x: number) =>
              y >= 0 && y < h && x >= 0 && x < w ? ((n * S + starts[l]! + y * w + x) * M + m) * D : -1;
            const r00 = row(y0, x0);
            const r01 = row(y0, x0 + 1);
            const r10 = row(y0 + 1, x0);
            const r11 = row(y0 + 1, x0 + 1);
            let sw = 0;
            let sx = 0;
            let sy = 0;
            for (let d = 0; d < D; d++) {
              const g = grad[((n * Lq + q) * M + m) * D + d]!;
              const v = (r: number) => (r < 0 ? 0 : value[r + d]!);
              const [v00, v01, v10, v11] = [v(r00), v(r01), v(r10), v(r11)];
              sw +=
                g * (v00 * (1 - fx) * (1 - fy) + v01 * fx * (1 - fy) + v10 * (1 - fx) * fy + v11 * fx * fy);
              sx += g * ((v01 - v00) * (1 - fy) + (v11 - v10) * fy);
              sy += g * ((v10 - v00) * (1 - fx) + (v11 - v01) * fx);
              const add = (r: number, wt: number) => {
                if (r >= 0) gValue[r + d] += a * wt * g;
              };
              add(r00, (1 - fx) * (1 - fy));
              add(r01, fx * (1 - fy));
              add(r10, (1 - fx) * fy);
              add(r11, fx * fy);
            }
            gAttn[i] = sw;
            gLoc[2 * i] = a * w * sx;
            gLoc[2 * i + 1] = a * h * sy;
          }
        }
  return { value: gValue, loc: gLoc, attn: gAttn };
}
