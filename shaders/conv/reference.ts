/** Float64 CPU reference of torch.nn.functional.conv2d (NCHW), written as the textbook loop nest. */

export interface Conv2dGeometry {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export function convOutputSize(
  size: number,
  k: number,
  stride: number,
  pad: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

export function conv2dReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  bias: ArrayLike<number> | null,
  geo: Conv2dGeometry,
): { data: number[]; shape: number[] } {
  const [B, C, H, W] = xShape as [number, number, number, number];
  const [O, cig, kh, kw] = wShape as [number, number, number, number];
  const { stride, padding, dilation, groups } = geo;
  const cog = O / groups;
  const OH = convOutputSize(H, kh, stride[0], padding[0], dilation[0]);
  const OW = convOutputSize(W, kw, stride[1], padding[1], dilation[1]);
  const out = new Array<number>(B * O * OH * OW).fill(0);
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / cog);
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let s = bias ? bias[o]! : 0;
          for (let ci = 0; ci < cig; ci++) {
            const c = g * cig + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * stride[0] - padding[0] + ky * dilation[0];
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * stride[1] - padding[1] + kx * dilation[1];
                if (ix < 0 || ix >= W) continue;
                s += x[((b * C + c) * H + iy) * W + ix]! * w[((o * cig + ci) * kh + ky) * kw + kx]!;
              }
            }
          }
          out[((b * O + o) * OH + oy) * OW + ox] = s;
        }
      }
    }
  }
  return { data: out, shape: [B, O, OH, OW] };
}

/** torch.nn.functional.unfold on NCHW x: [B, C*kh*kw, OH*OW], k = (c, ky, kx), zeros outside. */
export function unfoldReference(
  x: ArrayLike<number>,
  xShape: readonly number[],
  kh: number,
  kw: number,
  geo: Omit<Conv2dGeometry, 'groups'>,
): number[] {
  const [B, C, H, W] = xShape as [number, number, number, number];
  const { stride, padding, dilation } = geo;
  const OH = convOutputSize(H, kh, stride[0], padding[0], dilation[0]);
  const OW = convOutputSize(W, kw, stride[1], padding[1], dilation[1]);
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++) {
              const iy = oy * stride[0] - padding[0] + ky * dilation[0];
              const ix = ox * stride[1] - padding[1] + kx * dilation[1];
              const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
              out.push(inside ? x[((b * C + c) * H + iy) * W + ix]! : 0);
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * torch.nn.functional.fold, the adjoint of unfold: columns [B, C*kh*kw, OH*OW] summed back into
 * an NCHW image of `xShape` (every column entry added to the pixel unfold read it from).
 */
export function foldReference(
  cols: ArrayLike<number>,
  xShape: readonly number[],
  kh: number,
  kw: number,
  geo: Omit<Conv2dGeometry, 'groups'>,
): number[] {
  const [B, C, H, W] = xShape as [number, number, number, number];
  const { stride, padding, dilation } = geo;
  const OH = convOutputSize(H, kh, stride[0], padding[0], dilation[0]);
  const OW = convOutputSize(W, kw, stride[1], padding[1], dilation[1]);
  const out = new Array<number>(B * C * H * W).fill(0);
  let i = 0;
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++, i++) {
              const iy = oy * stride[0] - padding[0] + ky * dilation[0];
              const ix = ox * stride[1] - padding[1] + kx * dilation[1];
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) out[((b * C + c) * H + iy) * W + ix] += cols[i]!;
            }
          }
        }
      }
    }
  }
  return out;
}
