/**
 * Explicit convolution columns for CPU adapters (shaders/conv/columns.ts says why): unfold an
 * image into dense [B, C*kh*kw, OH*OW] columns, or fold column gradients back into an image.
 * conv.ts then runs the forward and both gradients as dense GEMMs on them.
 */
import { foldKernel, unfoldKernel } from '../../shaders/conv/columns.js';
import { engine } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { type ConvShape, isPointwise } from './conv-shape.js';
import { useSerialKernels } from './reduce-policy.js';

/**
 * Largest column buffer (elements) written explicitly: 64 MiB, under WebGPU's default 128 MiB
 * storage binding limit; larger convolutions keep the implicit im2col operands.
 */
export const MAX_COLUMN_ELEMENTS = 1 << 24;

/** Elements of the columns of a convolution: B * C*kh*kw * OH*OW. */
export function columnElements(s: ConvShape): number {
  return s.B * s.C * s.kh * s.kw * s.OH * s.OW;
}

/**
 * Output channels per group from which writing the columns pays: each column entry then feeds
 * at least a register tile's worth of outputs. Below that (depthwise: 1) unfolding costs more
 * than the gathers it saves (measured on SwiftShader: depthwise 3x3 1.4x slower explicit,
 * 4 channels per group 1.4x slower, 16 per group 1.5x faster, 64: 1.3x faster).
 */
export const MIN_COLUMN_REUSE = 8;

/**
 * Whether a convolution's GEMMs read explicit columns instead of gathering im2col on the fly:
 * on CPU adapters (the `useSerialKernels` policy), for convolutions that are not pointwise
 * (whose image already is its columns), have at least MIN_COLUMN_REUSE output channels per
 * group, and whose columns stay under MAX_COLUMN_ELEMENTS.
 */
export function usesExplicitColumns(s: ConvShape): boolean {
  return (
    useSerialKernels() &&
    !isPointwise(s) &&
    s.cog >= MIN_COLUMN_REUSE &&
    columnElements(s) <= MAX_COLUMN_ELEMENTS
  );
}

function geometry(s: ConvShape) {
  return {
    H: s.H,
    W: s.W,
    OH: s.OH,
    OW: s.OW,
    sy: s.stride[0],
    sx: s.stride[1],
    py: s.padding[0],
    px: s.padding[1],
    dy: s.dilation[0],
    dx: s.dilation[1],
  };
}

function describeColumns(x: Tensor, s: ConvShape): () => string {
  return () =>
    `columns of ${x.describe()} for a ${s.kh}x${s.kw} kernel, stride [${s.stride}] padding [${s.padding}] dilation [${s.dilation}]`;
}

/** torch unfold of a dense NCHW x: [B, C*kh*kw, OH*OW]. */
export function unfoldColumns(x: Tensor, s: ConvShape): Tensor {
  const cols = Tensor.empty([s.B, s.C * s.kh * s.kw, s.OH * s.OW]);
  const rows = s.B * s.C * s.kh * s.kw * s.OH;
  engine().stream.dispatch1D(
    unfoldKernel(s.kh, s.kw),
    [{ buffer: x.buffer }, { buffer: cols.buffer }],
    { rows, ...geometry(s) },
    rows,
    describeColumns(x, s),
  );
  return cols;
}

/** torch fold of dense columns [B, C*kh*kw, OH*OW] into a new [B, C, H, W] image. */
export function foldColumns(cols: Tensor, s: ConvShape): Tensor {
  const dx = Tensor.empty([s.B, s.C, s.H, s.W]);
  const unitStride = s.stride[0] === 1 && s.stride[1] === 1;
  engine().stream.dispatch1D(
    foldKernel(s.kh, s.kw, unitStride),
    [{ buffer: cols.buffer }, { buffer: dx.buffer }],
    { n: dx.size, ...geometry(s) },
    dx.size,
    describeColumns(cols, s),
  );
  return dx;
}
