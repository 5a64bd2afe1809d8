/**
 * MSDeformAttnTransformerEncoderOnly: flattens the (input-projected) levels into one token
 * sequence, adds the sine position embedding plus a learned per-level embedding to the queries,
 * and runs the deformable encoder layers. Parameters: `level_embed` [L, C] and
 * `encoder.layers.{i}.*`.
 */
import {
  type LevelShapes,
  ShapeError,
  type Tensor,
  add,
  concat,
  flatten,
  reshape,
  slice,
  transpose,
} from '../../../engine/index.js';
import { Module, ModuleList, deriveSeed } from '../../nn/index.js';
import { MSDeformAttnEncoderLayer } from './encoder-layer.js';
import { assign, standardNormal } from './init.js';
import { LevelGeometryCache } from './level-geometry.js';

export interface DeformableEncoderOptions {
  dModel: number;
  nLevels: number;
  nHeads: number;
  nPoints: number;
  layers: number;
  ffnDim: number;
  dropout: number;
  seed: number;
}

/** `transformer.encoder`: only a list of layers (its forward lives in the parent). */
class MSDeformAttnTransformerEncoder extends Module {
  readonly layers: ModuleList<MSDeformAttnEncoderLayer>;

  constructor(options: DeformableEncoderOptions) {
    super();
    const { layers, seed, ...dims } = options;
    this.layers = this.registerModule(
      'layers',
      new ModuleList(
        Array.from(
          { length: layers },
          (_, i) => new MSDeformAttnEncoderLayer({ ...dims, seed: deriveSeed(seed, `layers.${i}`) }),
        ),
      ),
    );
  }
}

export interface EncoderOutput {
  /** [N, S, C], tokens level-major (level 0 = coarsest). */
  memory: Tensor;
  shapes: LevelShapes;
}

export class MSDeformAttnTransformerEncoderOnly extends Module {
  readonly levelEmbed: Tensor;
  readonly encoder: MSDeformAttnTransformerEncoder;
  private readonly geometry: LevelGeometryCache;

  constructor(readonly options: DeformableEncoderOptions) {
    super();
    const { dModel, nLevels, seed } = options;
    if (dModel % 2 !== 0)
      throw new ShapeError(`deformable encoder: d_model ${dModel} must be even (sine embedding)`);
    this.levelEmbed = this.registerParameter(
      'level_embed',
      standardNormal([nLevels, dModel], deriveSeed(seed, 'level_embed')),
    );
    this.encoder = this.registerModule(
      'encoder',
      new MSDeformAttnTransformerEncoder({ ...options, seed: deriveSeed(seed, 'encoder') }),
    );
    this.geometry = new LevelGeometryCache(dModel);
  }

  /** Re-draws level_embed from N(0, 1) (the official init; the constructor already does this). */
  resetLevelEmbed(seed: number): void {
    assign(this.levelEmbed, (shape) => standardNormal(shape, seed));
  }

  /** srcs: the levels [N, C, H_l, W_l], coarsest first. */
  forward(srcs: readonly Tensor[]): EncoderOutput {
    const { dModel, nLevels } = this.options;
    if (srcs.length !== nLevels)
      throw new ShapeError(`deformable encoder: built for ${nLevels} levels, given ${srcs.length}`);
    const shapes = srcs.map((s) => {
      if (s.ndim !== 4 || s.shape[1] !== dModel) {
        throw new ShapeError(`deformable encoder: level ${s.describe()} must be [N, ${dModel}, H, W]`);
      }
      return [s.shape[2]!, s.shape[3]!] as [number, number];
    });
    const geometry = this.geometry.get(shapes);
    // [N, C, H, W] -> [N, HW, C] per level, then level-major.
    let src = concat(
      srcs.map((s) => transpose(flatten(s, 2), 1, 2)),
      1,
    );
    // The level embedding is added to the position term only (queries see it, values do not).
    const pos = concat(
      geometry.positions.map((p, l) => add(p, reshape(slice(this.levelEmbed, 0, l, l + 1), [1, 1, dModel]))),
      1,
    );
    for (const layer of this.encoder.layers)
      src = layer.forward(src, pos, geometry.referencePoints, geometry);
    return { memory: src, shapes };
  }

  override dispose(): void {
    this.geometry.clear();
    super.dispose();
  }
}
