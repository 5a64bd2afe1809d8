/**
 * MSDeformAttn (Mask2Former's ops/modules/ms_deform_attn.py): each query predicts, per head,
 * level and point, a sampling offset and an attention weight; the values of every level are
 * sampled bilinearly at reference + offset and summed with those weights (engine msDeformAttn).
 */
import {
  type LevelShapes,
  ShapeError,
  type Tensor,
  add,
  div,
  msDeformAttn,
  reshape,
  softmax,
  tensor,
} from '../../../engine/index.js';
import { Linear, Module, deriveSeed } from '../../nn/index.js';
import { assign, assignConstant, samplingOffsetGrid, xavierUniform } from './init.js';

export interface MSDeformAttnOptions {
  dModel: number;
  nLevels: number;
  nHeads: number;
  nPoints: number;
  seed: number;
}

/**
 * Per-forward level geometry shared by every layer: the (H, W) of each level (level-major) and
 * the offset normaliser [L, 1, 2] holding (W_l, H_l), so offsets are in pixels of the sampled level.
 */
export interface DeformLevels {
  shapes: LevelShapes;
  offsetNormalizer: Tensor;
}

/** The [L, 1, 2] tensor of (W_l, H_l) per level. */
export function offsetNormalizer(shapes: LevelShapes): Tensor {
  return tensor(new Float32Array(shapes.flatMap(([h, w]) => [w, h])), [shapes.length, 1, 2]);
}

export class MSDeformAttn extends Module {
  readonly samplingOffsets: Linear;
  readonly attentionWeights: Linear;
  readonly valueProj: Linear;
  readonly outputProj: Linear;
  readonly headDim: number;

  constructor(readonly options: MSDeformAttnOptions) {
    super();
    const { dModel, nLevels, nHeads, nPoints, seed } = options;
    if (dModel % nHeads !== 0)
      throw new ShapeError(`MSDeformAttn: ${nHeads} heads do not divide d_model ${dModel}`);
    this.headDim = dModel / nHeads;
    const linear = (name: string, out: number) =>
      this.registerModule(name, new Linear(dModel, out, { seed: deriveSeed(seed, name) }));
    this.samplingOffsets = linear('sampling_offsets', nHeads * nLevels * nPoints * 2);
    this.attentionWeights = linear('attention_weights', nHeads * nLevels * nPoints);
    this.valueProj = linear('value_proj', dModel);
    this.outputProj = linear('output_proj', dModel);
    this.resetParameters();
  }

  /** The official _reset_parameters: offsets on a direction grid, uniform attention, xavier projections. */
  private resetParameters(): void {
    const { nHeads, nLevels, nPoints, seed } = this.options;
    assignConstant(this.samplingOffsets.weight, 0);
    const grid = samplingOffsetGrid(nHeads, nLevels, nPoints);
    assign(this.samplingOffsets.bias!, (shape) => tensor(grid, shape));
    assignConstant(this.attentionWeights.weight, 0);
    assignConstant(this.attentionWeights.bias!, 0);
    for (const [name, lin] of [
      ['value_proj', this.valueProj],
      ['output_proj', this.outputProj],
    ] as const) {
      assign(lin.weight, (shape) => xavierUniform(shape, deriveSeed(seed, `${name}.xavier`)));
      assignConstant(lin.bias!, 0);
    }
  }

  /**
   * query [N, Lq, C]; referencePoints normalised (x, y) broadcastable to [N, Lq, L, 2] (the
   * same point for every level when there is no padding); inputFlatten [N, S, C] with the
   * levels' tokens level-major → [N, Lq, C].
   */
  forward(query: Tensor, referencePoints: Tensor, inputFlatten: Tensor, levels: DeformLevels): Tensor {
    const { nHeads: m, nLevels: l, nPoints: p } = this.options;
    const [n, lq] = query.shape as [number, number];
    const s = inputFlatten.shape[1]!;
    if (levels.shapes.length !== l) {
      throw new ShapeError(`MSDeformAttn: built for ${l} levels, given ${levels.shapes.length}`);
    }
    const value = reshape(this.valueProj.forward(inputFlatten), [n, s, m, this.headDim]);
    const offsets = reshape(this.samplingOffsets.forward(query), [n, lq, m, l, p, 2]);
    // One softmax over all L·P samples of a head, not one per level.
    const logits = reshape(this.attentionWeights.forward(query), [n, lq, m, l * p]);
    const weights = reshape(softmax(logits, -1), [n, lq, m, l, p]);
    const [rn, rq, rl] = referencePoints.shape as [number, number, number];
    const reference = reshape(referencePoints, [rn, rq, 1, rl, 1, 2]);
    const locations = add(reference, div(offsets, levels.offsetNormalizer));
    return this.outputProj.forward(msDeformAttn(value, levels.shapes, locations, weights));
  }
}
