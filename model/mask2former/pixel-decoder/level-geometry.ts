/**
 * What the encoder derives from the levels' shapes alone — the sine position embedding of each
 * level, the reference points and the offset normaliser — built once per set of shapes and kept
 * (a few recent sets, since training crops change the shapes).
 */
import { type LevelShapes, type Tensor, keep, tensor } from '../../../engine/index.js';
import { type DeformLevels, offsetNormalizer } from './ms-deform-attn.js';
import { sinePositionEmbedding } from './position-embedding.js';

export interface LevelGeometry extends DeformLevels {
  /** Per level, the position embedding as tokens [1, H_l·W_l, C]. */
  positions: Tensor[];
  /** [1, S, 1, 2]: every token's normalised (x, y) pixel centre, used on every level. */
  referencePoints: Tensor;
}

/**
 * Reference points without padding (valid ratios 1): token (i, j) of level l sits at
 * ((j + 0.5)/W_l, (i + 0.5)/H_l), levels concatenated level-major, rows row-major.
 */
export function referencePointData(shapes: LevelShapes): Float32Array {
  const tokens = shapes.reduce((a, [h, w]) => a + h * w, 0);
  const out = new Float32Array(tokens * 2);
  let t = 0;
  for (const [h, w] of shapes) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++, t++) {
        out[2 * t] = (j + 0.5) / w;
        out[2 * t + 1] = (i + 0.5) / h;
      }
    }
  }
  return out;
}

function buildGeometry(shapes: LevelShapes, channels: number): LevelGeometry {
  const tokens = shapes.reduce((a, [h, w]) => a + h * w, 0);
  return {
    shapes: shapes.map(([h, w]) => [h, w] as [number, number]),
    offsetNormalizer: keep(offsetNormalizer(shapes)),
    positions: shapes.map(([h, w]) =>
      keep(tensor(sinePositionEmbedding(h, w, channels / 2, 'tokens-first'), [1, h * w, channels])),
    ),
    referencePoints: keep(tensor(referencePointData(shapes), [1, tokens, 1, 2])),
  };
}

function disposeGeometry(g: LevelGeometry): void {
  g.offsetNormalizer.dispose();
  for (const p of g.positions) p.dispose();
  g.referencePoints.dispose();
}

/** A small least-recently-used cache of geometries keyed by the shapes. */
export class LevelGeometryCache {
  private readonly entries = new Map<string, LevelGeometry>();

  constructor(
    readonly channels: number,
    readonly capacity = 8,
  ) {}

  get(shapes: LevelShapes): LevelGeometry {
    const key = shapes.map(([h, w]) => `${h}x${w}`).join(',');
    let g = this.entries.get(key);
    if (g) {
      this.entries.delete(key); // re-insert: most recently used last
    } else {
      g = buildGeometry(shapes, this.channels);
      if (this.entries.size >= this.capacity) {
        const [oldest, old] = this.entries.entries().next().value as [string, LevelGeometry];
        this.entries.delete(oldest);
        disposeGeometry(old);
      }
    }
    this.entries.set(key, g);
    return g;
  }

  clear(): void {
    for (const g of this.entries.values()) disposeGeometry(g);
    this.entries.clear();
  }
}
