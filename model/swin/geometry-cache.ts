/**
 * GPU copies of the fixed Swin index tensors (window-index.ts), built once per feature-map size
 * and reused by every block and every forward pass at that size. Entries are kept out of all
 * scopes and owned by the cache; each use gets a fresh view, so evicting an entry (the cache is
 * bounded: multi-scale training sees many sizes) never frees what a pending backward still reads.
 */
import { type Tensor, keep, tensor } from '../../engine/index.js';
import {
  paddedSide,
  patchMergingIndex,
  shiftWindowMask,
  windowPartitionIndex,
  windowReverseIndex,
} from './window-index.js';

/** How one block rearranges an H×W token map into windows and back. */
export interface WindowGeometry {
  H: number;
  W: number;
  windowSize: number;
  shift: number;
  /** Padded grid, multiples of the window. */
  Hp: number;
  Wp: number;
  numWindows: number;
  /** i32 [nW·ws²]: source token per window slot, −1 for padding (pad + roll(−s) + partition). */
  partition: Tensor;
  /** i32 [H·W]: window slot per token (merge + roll(+s) + crop). */
  reverse: Tensor;
  /** f32 [nW, 1, L, L] shifted-window mask (0 / −100), or null without shift. */
  mask: Tensor | null;
}

/** Index tensors kept before the least recently used is dropped (one image size needs ~25). */
const DEFAULT_CAPACITY = 96;

function view(t: Tensor): Tensor {
  return t.view(t.shape, t.strides, t.offset);
}

export class SwinGeometryCache {
  private readonly entries = new Map<string, Tensor>();

  constructor(readonly capacity = DEFAULT_CAPACITY) {}

  private get(key: string, build: () => Tensor): Tensor {
    let t = this.entries.get(key);
    if (t) {
      this.entries.delete(key); // re-insert: Map order is the LRU order
    } else {
      t = keep(build());
      while (this.entries.size >= this.capacity) {
        const [oldKey, old] = this.entries.entries().next().value as [string, Tensor];
        this.entries.delete(oldKey);
        old.dispose();
      }
    }
    this.entries.set(key, t);
    return view(t);
  }

  /** The geometry of a block with window `windowSize` and cyclic shift `shift` on an H×W map. */
  window(H: number, W: number, windowSize: number, shift: number): WindowGeometry {
    const ws = windowSize;
    const Hp = paddedSide(H, ws);
    const Wp = paddedSide(W, ws);
    const numWindows = (Hp / ws) * (Wp / ws);
    const L = ws * ws;
    const key = `${H}x${W}:${ws}:${shift}`;
    const partition = this.get(`partition:${key}`, () =>
      tensor(windowPartitionIndex(H, W, ws, shift), [numWindows * L], 'i32'),
    );
    const reverse = this.get(`reverse:${key}`, () =>
      tensor(windowReverseIndex(H, W, ws, shift), [H * W], 'i32'),
    );
    const mask =
      shift > 0
        ? this.get(`mask:${Hp}x${Wp}:${ws}:${shift}`, () =>
            tensor(shiftWindowMask(Hp, Wp, ws, shift), [numWindows, 1, L, L], 'f32'),
          )
        : null;
    return { H, W, windowSize: ws, shift, Hp, Wp, numWindows, partition, reverse, mask };
  }

  /** PatchMerging's gather index for an H×W map: i32 [⌈H/2⌉·⌈W/2⌉·4]. */
  merging(H: number, W: number): Tensor {
    return this.get(`merge:${H}x${W}`, () =>
      tensor(patchMergingIndex(H, W), [Math.ceil(H / 2) * Math.ceil(W / 2) * 4], 'i32'),
    );
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    for (const t of this.entries.values()) t.dispose();
    this.entries.clear();
  }
}
