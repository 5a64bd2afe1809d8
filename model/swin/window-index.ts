/**
 * The fixed index arithmetic of Mask2Former's Swin (M2F_SEMANTICS.md §3.1), computed on the CPU.
 * Each token rearrangement of a block (zero-pad to the window grid, cyclic shift, window
 * partition, and the reverse) is one gather with these indices; an index of -1 reads as 0, which
 * is exactly the zero padding (and the gather's adjoint skips it).
 */

/** Side of the padded grid: n rounded up to a multiple of the window. */
export function paddedSide(n: number, windowSize: number): number {
  return Math.ceil(n / windowSize) * windowSize;
}

/**
 * relative_position_index [L·L] (L = ws²), row-major over (query a, key b):
 * (y_a − y_b + ws − 1)·(2ws − 1) + (x_a − x_b + ws − 1), with in-window coordinates t = y·ws + x.
 */
export function relativePositionIndex(windowSize: number): Int32Array {
  const ws = windowSize;
  const L = ws * ws;
  const out = new Int32Array(L * L);
  for (let a = 0; a < L; a++) {
    const ya = Math.floor(a / ws);
    const xa = a % ws;
    for (let b = 0; b < L; b++) {
      const yb = Math.floor(b / ws);
      const xb = b % ws;
      out[a * L + b] = (ya - yb + ws - 1) * (2 * ws - 1) + (xa - xb + ws - 1);
    }
  }
  return out;
}

/**
 * For each window slot (window w = wr·(Wp/ws) + wc, in-window token t = r·ws + c), the row-major
 * index into the unpadded H×W map of the token it holds after zero-padding to Hp×Wp and
 * roll(−shift, −shift); −1 where it holds padding. Length nW·ws².
 */
export function windowPartitionIndex(H: number, W: number, windowSize: number, shift: number): Int32Array {
  const ws = windowSize;
  const Hp = paddedSide(H, ws);
  const Wp = paddedSide(W, ws);
  const nWw = Wp / ws;
  const out = new Int32Array(Hp * Wp);
  for (let y = 0; y < Hp; y++) {
    for (let x = 0; x < Wp; x++) {
      // roll(-s): the rolled map at (y, x) holds the padded map at (y + s, x + s) mod (Hp, Wp).
      const py = (y + shift) % Hp;
      const px = (x + shift) % Wp;
      const slot = (Math.floor(y / ws) * nWw + Math.floor(x / ws)) * ws * ws + (y % ws) * ws + (x % ws);
      out[slot] = py < H && px < W ? py * W + px : -1;
    }
  }
  return out;
}

/**
 * For each token (h, w) of the unpadded H×W map, its window slot after attention: the inverse of
 * windowPartitionIndex on the kept tokens (window merge, roll(+shift, +shift), crop). Length H·W.
 */
export function windowReverseIndex(H: number, W: number, windowSize: number, shift: number): Int32Array {
  const ws = windowSize;
  const Hp = paddedSide(H, ws);
  const Wp = paddedSide(W, ws);
  const nWw = Wp / ws;
  const out = new Int32Array(H * W);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      // roll(+s): the output at (h, w) comes from the merged map at (h − s, w − s) mod (Hp, Wp).
      const y = (h - shift + Hp) % Hp;
      const x = (w - shift + Wp) % Wp;
      out[h * W + w] = (Math.floor(y / ws) * nWw + Math.floor(x / ws)) * ws * ws + (y % ws) * ws + (x % ws);
    }
  }
  return out;
}

/** Region id along one padded axis: [0, n−ws) → 0, [n−ws, n−shift) → 1, [n−shift, n) → 2. */
function regionOf(i: number, n: number, windowSize: number, shift: number): number {
  if (i < n - windowSize) return 0;
  return i < n - shift ? 1 : 2;
}

/**
 * The shifted-window mask [nW, L, L] on the padded Hp×Wp grid: −100 where the query's and key's
 * region ids (3·r_h + r_w, read in rolled coordinates) differ, 0 elsewhere.
 */
export function shiftWindowMask(Hp: number, Wp: number, windowSize: number, shift: number): Float32Array {
  const ws = windowSize;
  const L = ws * ws;
  const nWh = Hp / ws;
  const nWw = Wp / ws;
  const out = new Float32Array(nWh * nWw * L * L);
  const ids = new Int32Array(L);
  for (let wr = 0; wr < nWh; wr++) {
    for (let wc = 0; wc < nWw; wc++) {
      for (let t = 0; t < L; t++) {
        const y = wr * ws + Math.floor(t / ws);
        const x = wc * ws + (t % ws);
        ids[t] = 3 * regionOf(y, Hp, ws, shift) + regionOf(x, Wp, ws, shift);
      }
      const base = (wr * nWw + wc) * L * L;
      for (let a = 0; a < L; a++)
        for (let b = 0; b < L; b++) if (ids[a] !== ids[b]) out[base + a * L + b] = -100;
    }
  }
  return out;
}

/**
 * PatchMerging's gather: output token (i, j) of the ⌈H/2⌉×⌈W/2⌉ map takes 4 input tokens in the
 * channel order x0, x1, x2, x3 = (dy, dx) = (0,0), (1,0), (0,1), (1,1) (row offset fastest);
 * −1 past the odd bottom row / right column (zero padding). Length H'·W'·4.
 */
export function patchMergingIndex(H: number, W: number): Int32Array {
  const Ho = Math.ceil(H / 2);
  const Wo = Math.ceil(W / 2);
  const out = new Int32Array(Ho * Wo * 4);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      for (let k = 0; k < 4; k++) {
        const y = 2 * i + (k & 1);
        const x = 2 * j + (k >> 1);
        out[(i * Wo + j) * 4 + k] = y < H && x < W ? y * W + x : -1;
      }
    }
  }
  return out;
}
