/**
 * Resampling of NCHW feature maps: bilinear interpolate (resize), grid_sample and Mask2Former's
 * point_sample, with PyTorch's semantics (see shaders/sample/ for the exact formulas).
 */
import {
  bilinearScale,
  interpolateBilinearBackwardKernel,
  interpolateBilinearKernel,
} from '../../shaders/sample/interpolate.js';
import {
  CHANNELS_PER_THREAD,
  gridSampleGridGradKernel,
  gridSampleInputGradKernel,
  gridSampleKernel,
  gridToPixel,
} from '../../shaders/sample/grid-sample.js';
import {
  gridSampleInputGradOrderedKernel,
  gridSampleScatterPlanKernel,
} from '../../shaders/sample/grid-sample-ordered.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguous, zeros } from './copy.js';
import { inverseIndex } from './index-ops.js';
import { scatterMode } from './scatter-mode.js';

export interface InterpolateOptions {
  /** Output [height, width]. Exactly one of size and scaleFactor. */
  size?: readonly [number, number];
  /** Output = floor(input * factor) per axis; the sampling scale is 1/factor (PyTorch's default path). */
  scaleFactor?: number | readonly [number, number];
  /** PyTorch's align_corners (default false). */
  alignCorners?: boolean;
  mode?: 'bilinear';
}

function requireNchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4 || x.dtype !== 'f32')
    throw new ShapeError(`${op}: input ${x.describe()} must be f32 [N, C, H, W]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${x.describe()} has an empty spatial dimension`);
  return [n, c, h, w];
}

/** F.interpolate(x, size | scale_factor, mode='bilinear', align_corners) for NCHW f32. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const [n, c, inH, inW] = requireNchw('interpolate', x);
  const align = options.alignCorners ?? false;
  if ((options.size === undefined) === (options.scaleFactor === undefined)) {
    throw new ShapeError(`interpolate ${x.describe()}: give exactly one of size and scaleFactor`);
  }
  let outH: number;
  let outW: number;
  let factors: [number | undefined, number | undefined] = [undefined, undefined];
  if (options.size) {
    [outH, outW] = options.size;
  } else {
    const sf = options.scaleFactor!;
    const [fh, fw] = typeof sf === 'number' ? [sf, sf] : sf;
    if (!(fh! > 0) || !(fw! > 0)) throw new ShapeError(`interpolate ${x.describe()}: scale factor ${sf}`);
    factors = [fh, fw];
    outH = Math.floor(inH * fh!);
    outW = Math.floor(inW * fw!);
  }
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new ShapeError(`interpolate ${x.describe()}: output size ${formatShape([outH, outW])}`);
  }
  const params = {
    in_h: inH,
    in_w: inW,
    out_h: outH,
    out_w: outW,
    scale_h: bilinearScale(inH, outH, align, factors[0]),
    scale_w: bilinearScale(inW, outW, align, factors[1]),
    align: align ? 1 : 0,
  };
  const describe = () => `interpolate ${x.describe()} to ${formatShape([outH, outW])}`;
  const dense = contiguous(x);
  const out = Tensor.empty([n, c, outH, outW]);
  engine().stream.dispatch1D(
    interpolateBilinearKernel,
    [{ buffer: dense.buffer }, { buffer: out.buffer }],
    { n: out.size, ...params },
    out.size,
    describe,
  );
  if (dense !== x) dense.dispose();
  return recordOp(out, 'interpolate_bilinear', [x], (g) => {
    const gd = contiguous(g);
    const gx = Tensor.empty(x.shape);
    engine().stream.dispatch1D(
      interpolateBilinearBackwardKernel,
      [{ buffer: gd.buffer }, { buffer: gx.buffer }],
      { n: gx.size, ...params },
      gx.size,
      describe,
    );
    if (gd !== g) gd.dispose();
    return [gx];
  });
}

export interface GridSampleOptions {
  /** PyTorch's align_corners (default false). */
  alignCorners?: boolean;
  mode?: 'bilinear';
  paddingMode?: 'zeros';
}

/** Samples x [N, C, H, W] at grid [N, points, 2] into `outShape` (N, C, points...). */
function sampleAt(
  op: string,
  x: Tensor,
  grid: Tensor,
  points: number,
  outShape: readonly number[],
  alignCorners: boolean,
  unitCoords: boolean,
): Tensor {
  const [n, c, h, w] = requireNchw(op, x);
  const mapX = gridToPixel(w, alignCorners, unitCoords);
  const mapY = gridToPixel(h, alignCorners, unitCoords);
  const cblocks = Math.ceil(c / CHANNELS_PER_THREAD);
  const params = {
    channels: c,
    in_h: h,
    in_w: w,
    points,
    cblocks,
    ax: mapX.a,
    bx: mapX.b,
    ay: mapY.a,
    by: mapY.b,
  };
  const describe = () => `${op} ${x.describe()} at ${grid.describe()}`;
  const stream = engine().stream;
  const xd = contiguous(x);
  const gd = contiguous(grid);
  const out = Tensor.empty(outShape);
  const threads = n * cblocks * points;
  stream.dispatch1D(
    gridSampleKernel,
    [{ buffer: xd.buffer }, { buffer: gd.buffer }, { buffer: out.buffer }],
    { n: threads, ...params },
    threads,
    describe,
  );
  if (xd !== x) xd.dispose();
  if (gd !== grid) gd.dispose();
  return recordOp(out, op, [x, grid], (g) => {
    const gOut = contiguous(g);
    const gridD = contiguous(grid);
    let gx: Tensor | null = null;
    let gGrid: Tensor | null = null;
    if (x.requiresGrad && scatterMode() === 'atomic') {
      gx = zeros(x.shape);
      stream.dispatch1D(
        gridSampleInputGradKernel,
        [{ buffer: gOut.buffer }, { buffer: gridD.buffer }, { buffer: gx.buffer }],
        { n: threads, ...params },
        threads,
        describe,
      );
    } else if (x.requiresGrad) {
      gx = inputGradOrdered(gOut, gridD, [n, c, h, w], points, params, describe);
    }
    if (grid.requiresGrad) {
      const xD = contiguous(x);
      gGrid = Tensor.empty(grid.shape);
      stream.dispatch1D(
        gridSampleGridGradKernel,
        [{ buffer: xD.buffer }, { buffer: gridD.buffer }, { buffer: gOut.buffer }, { buffer: gGrid.buffer }],
        { n: n * points, ...params },
        n * points,
        describe,
      );
      if (xD !== x) xD.dispose();
    }
    if (gOut !== g) gOut.dispose();
    if (gridD !== grid) gridD.dispose();
    return [gx, gGrid];
  });
}

/**
 * The input gradient summed in a fixed order (shaders/sample/grid-sample-ordered.ts): corner
 * destinations and weights per point, the inverse index per pixel, then one invocation per
 * element of x adds its pixel's corners in order.
 */
function inputGradOrdered(
  gOut: Tensor,
  grid: Tensor,
  [n, c, h, w]: readonly [number, number, number, number],
  points: number,
  params: Record<string, number>,
  describe: () => string,
): Tensor {
  const stream = engine().stream;
  const gx = Tensor.empty([n, c, h, w]);
  if (gx.size === 0) return gx;
  const corners = n * points * 4;
  const dest = Tensor.empty([corners], 'u32');
  const weight = Tensor.empty([corners]);
  stream.dispatch1D(
    gridSampleScatterPlanKernel,
    [{ buffer: grid.buffer }, { buffer: dest.buffer }, { buffer: weight.buffer }],
    { ...params, n: n * points },
    n * points,
    describe,
  );
  const { ends, keys } = inverseIndex(dest, n * h * w);
  stream.dispatch1D(
    gridSampleInputGradOrderedKernel,
    [
      { buffer: gOut.buffer },
      { buffer: keys.buffer },
      { buffer: ends.buffer },
      { buffer: weight.buffer },
      { buffer: gx.buffer },
    ],
    { n: gx.size, channels: c, plane: h * w, points },
    gx.size,
    describe,
  );
  for (const t of [dest, weight, ends, keys]) t.dispose();
  return gx;
}

/**
 * F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners): x [N, C, H, W],
 * grid [N, Hg, Wg, 2] holding (x, y) in [-1, 1] → [N, C, Hg, Wg]. Differentiable in x and grid.
 */
export function gridSample(x: Tensor, grid: Tensor, options: GridSampleOptions = {}): Tensor {
  const [n, c] = requireNchw('grid_sample', x);
  if (grid.ndim !== 4 || grid.shape[0] !== n || grid.shape[3] !== 2 || grid.dtype !== 'f32') {
    throw new ShapeError(
      `grid_sample: grid ${grid.describe()} must be f32 [${n}, Hg, Wg, 2] for ${x.describe()}`,
    );
  }
  const [hg, wg] = [grid.shape[1]!, grid.shape[2]!];
  return sampleAt('grid_sample', x, grid, hg * wg, [n, c, hg, wg], options.alignCorners ?? false, false);
}

/**
 * Mask2Former's point_sample: x [N, C, H, W] at coords [N, P, 2] holding (x, y) in [0, 1]
 * → [N, C, P]; equal to grid_sample(x, 2 * coords - 1) with the grid shaped [N, P, 1, 2].
 */
export function pointSample(x: Tensor, coords: Tensor, options: { alignCorners?: boolean } = {}): Tensor {
  const [n, c] = requireNchw('point_sample', x);
  if (coords.ndim !== 3 || coords.shape[0] !== n || coords.shape[2] !== 2 || coords.dtype !== 'f32') {
    throw new ShapeError(
      `point_sample: coords ${coords.describe()} must be f32 [${n}, P, 2] for ${x.describe()}`,
    );
  }
  const p = coords.shape[1]!;
  return sampleAt('point_sample', x, coords, p, [n, c, p], options.alignCorners ?? false, true);
}
