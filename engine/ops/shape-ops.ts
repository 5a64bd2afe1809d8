/**
 * Ops that rearrange whole blocks of a tensor: concat, stack, split/chunk (views), constant pad
 * and roll. Concat and pad write their inputs into views of the output with the strided-write
 * kernel; their gradients are views of the output gradient. All dtypes (32-bit words).
 */
import { rollKernel } from '../../shaders/index/roll.js';
import { dimValues, operandValues } from '../../shaders/index/axis-walk.js';
import { recordOp } from '../autograd.js';
import { ShapeError } from '../errors.js';
import { engine } from '../runtime.js';
import { formatShape, normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { full, writeInto, zeros } from './copy.js';
import { reshape, slice, unsqueeze } from './view.js';

/** A view of `t` covering [start, start + length) along `axis` (no autograd). */
function rangeView(t: Tensor, axis: number, start: number, length: number): Tensor {
  const shape = [...t.shape];
  shape[axis] = length;
  return t.view(shape, t.strides, t.offset + start * t.strides[axis]!);
}

/** torch.cat: joins tensors of equal shape except along `axis`. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('concat: no tensors');
  const a = normalizeAxis(axis, first.ndim, 'concat');
  const describe = () => tensors.map((t) => t.describe()).join(', ');
  for (const t of tensors) {
    const same = t.ndim === first.ndim && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!same || t.dtype !== first.dtype)
      throw new ShapeError(`concat along ${axis}: ${describe()} do not match`);
  }
  const shape = [...first.shape];
  shape[a] = tensors.reduce((s, t) => s + t.shape[a]!, 0);
  const out = Tensor.empty(shape, first.dtype);
  const starts: number[] = [];
  let start = 0;
  for (const t of tensors) {
    starts.push(start);
    if (t.size > 0) {
      const target = rangeView(out, a, start, t.shape[a]!);
      writeInto(target, t);
      target.dispose();
    }
    start += t.shape[a]!;
  }
  return recordOp(out, 'concat', tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? rangeView(g, a, starts[i]!, t.shape[a]!) : null)),
  );
}

/** torch.stack: joins equal-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('stack: no tensors');
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new ShapeError(`stack: shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} differ`);
    }
  }
  const a = normalizeAxis(axis, first.ndim + 1, 'stack');
  const expanded = tensors.map((t) => unsqueeze(t, a));
  const out = concat(expanded, a);
  return out;
}

/**
 * torch.split: views along `axis`. A number is the size of each piece (the last may be
 * smaller); an array gives every piece's size and must sum to the axis length.
 */
export function split(t: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, t.ndim, 'split');
  const dim = t.shape[a]!;
  let pieces: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 1) throw new ShapeError(`split ${t.describe()}: size ${sizes}`);
    pieces = [];
    for (let s = 0; s < dim; s += sizes) pieces.push(Math.min(sizes, dim - s));
    if (dim === 0) pieces.push(0);
  } else {
    pieces = [...sizes];
    const total = pieces.reduce((s, x) => s + x, 0);
    if (total !== dim || pieces.some((x) => !Number.isInteger(x) || x < 0)) {
      throw new ShapeError(`split ${t.describe()}: sizes [${pieces}] do not sum to ${dim} on axis ${axis}`);
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const len of pieces) {
    out.push(slice(t, a, start, start + len));
    start += len;
  }
  return out;
}

/** torch.chunk: `chunks` views of size ceil(dim / chunks) (fewer when the axis is short). */
export function chunk(t: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new ShapeError(`chunk ${t.describe()}: ${chunks} chunks`);
  const a = normalizeAxis(axis, t.ndim, 'chunk');
  const size = Math.max(1, Math.ceil(t.shape[a]! / chunks));
  return split(t, size, a);
}

/** Per-dimension [before, after] padding; negative values crop. */
export type PadWidths = readonly (readonly [number, number])[];

/**
 * Constant padding. `pads` gives [before, after] for the last pads.length dimensions, in
 * dimension order: pad(x, [[1, 1], [2, 2]]) pads H by 1 and W by 2 of an NCHW tensor (torch's
 * F.pad(x, (2, 2, 1, 1))). Negative widths crop, as in torch.
 */
export function pad(t: Tensor, pads: PadWidths, value = 0): Tensor {
  if (pads.length > t.ndim) throw new ShapeError(`pad ${t.describe()}: ${pads.length} pad pairs`);
  const lead = t.ndim - pads.length;
  const widths = t.shape.map((_, d) => (d < lead ? ([0, 0] as const) : pads[d - lead]!));
  for (const [b, e] of widths) {
    if (!Number.isInteger(b) || !Number.isInteger(e))
      throw new ShapeError(`pad ${t.describe()}: widths ${pads}`);
  }
  // The part of the input that survives cropping, and where it lands in the output.
  const keepShape = t.shape.map((d, i) => d + Math.min(widths[i]![0], 0) + Math.min(widths[i]![1], 0));
  const outShape = t.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
  if (keepShape.some((d) => d < 0) || outShape.some((d) => d < 0)) {
    throw new ShapeError(`pad ${t.describe()}: widths ${JSON.stringify(pads)} crop more than the tensor`);
  }
  const cropOffset = (strides: readonly number[]) =>
    widths.reduce((o, [b], i) => o + Math.max(-b, 0) * strides[i]!, 0);
  const inOffset = t.offset + cropOffset(t.strides);
  const out = full(outShape, value, t.dtype);
  const outStrides = out.strides;
  const outOffset = widths.reduce((o, [b], i) => o + Math.max(b, 0) * outStrides[i]!, 0);
  if (keepShape.every((d) => d > 0)) {
    const source = t.view(keepShape, t.strides, inOffset);
    const target = out.view(keepShape, outStrides, outOffset);
    writeInto(target, source);
    source.dispose();
    target.dispose();
  }
  return recordOp(out, 'pad', [t], (g) => {
    const padOffset = widths.reduce((o, [b], i) => o + Math.max(b, 0) * g.strides[i]!, 0);
    const inner = g.view(keepShape, g.strides, g.offset + padOffset);
    const cropped = widths.some(([b, e]) => b < 0 || e < 0);
    if (!cropped) return [inner];
    const gt = zeros(t.shape, g.dtype);
    const region = gt.view(keepShape, gt.strides, cropOffset(gt.strides));
    writeInto(region, inner);
    region.dispose();
    inner.dispose();
    return [gt];
  });
}

/** torch.roll: shifts elements cyclically along `axes`; without axes, rolls the flattened tensor. */
export function roll(
  t: Tensor,
  shifts: number | readonly number[],
  axes?: number | readonly number[],
): Tensor {
  const shiftList = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (axes === undefined) {
    if (shiftList.length !== 1) throw new ShapeError(`roll ${t.describe()}: one shift without axes`);
    return reshape(roll(reshape(t, [t.size]), shiftList, [0]), t.shape);
  }
  const axisList = typeof axes === 'number' ? [axes] : [...axes];
  if (axisList.length !== shiftList.length) {
    throw new ShapeError(`roll ${t.describe()}: ${shiftList.length} shifts for ${axisList.length} axes`);
  }
  const perDim = new Array<number>(t.ndim).fill(0);
  axisList.forEach((axis, i) => {
    const a = normalizeAxis(axis, t.ndim, 'roll');
    perDim[a] = perDim[a]! + shiftList[i]!;
  });
  const normalized = perDim.map((s, d) => {
    const dim = t.shape[d]!;
    return dim === 0 ? 0 : ((s % dim) + dim) % dim;
  });
  const out = Tensor.empty(t.shape, t.dtype);
  const n = out.size;
  if (n > 0) {
    const rank = Math.max(t.ndim, 1);
    const shape = t.ndim === 0 ? [1] : t.shape;
    const strides = t.ndim === 0 ? [0] : t.strides;
    engine().stream.dispatch1D(
      rollKernel(rank),
      [{ buffer: t.buffer }, { buffer: out.buffer }],
      {
        n,
        ...dimValues('dim', shape),
        ...dimValues('shift', t.ndim === 0 ? [0] : normalized),
        ...operandValues('src', t.offset, strides),
      },
      n,
      () => `roll ${t.describe()} shifts [${normalized}]`,
    );
  }
  return recordOp(out, 'roll', [t], (g) => [
    roll(
      g,
      normalized.map((s) => -s),
      normalized.map((_, d) => d),
    ),
  ]);
}
