import { describe, expect, it } from 'vitest';
import {
  compressRle,
  decodeMask,
  decompressRle,
  encodeMask,
  polygonPartToRle,
  polygonsToRle,
  rleArea,
  rleBbox,
  rleIntersectionArea,
  rleIou,
  rleMerge,
  toRle,
} from '../../pointvis/rle';
import { PointvisDataError } from '../../pointvis/errors';
import type { Rle } from '../../pointvis/formats/types';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random row-major mask: blobs, sparse noise, empty, full, or a single pixel. */
function randomMask(rand: () => number, h: number, w: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  const kind = Math.floor(rand() * 5);
  if (kind === 0) return mask;
  if (kind === 1) return mask.fill(1);
  if (kind === 2) {
    mask[Math.floor(rand() * h * w)] = 255; // any nonzero byte is foreground
    return mask;
  }
  if (kind === 3) {
    const p = rand();
    for (let i = 0; i < mask.length; i++) mask[i] = rand() < p ? 1 : 0;
    return mask;
  }
  for (let b = 0; b < 3; b++) {
    const cy = rand() * h;
    const cx = rand() * w;
    const r = 1 + rand() * Math.max(h, w) * 0.4;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if ((y - cy) ** 2 + (x - cx) ** 2 < r * r) mask[y * w + x] = 1;
  }
  return mask;
}

const binary = (mask: Uint8Array) => Uint8Array.from(mask, (v) => (v !== 0 ? 1 : 0));

describe('hand-worked vectors', () => {
  // 3×4 mask (rows):   0 1 1 0 / 0 1 0 0 / 1 1 0 1
  // column-major read: col0 = 0 0 1, col1 = 1 1 1, col2 = 1 0 0, col3 = 0 0 1
  // runs: 2 zeros, 5 ones, 4 zeros, 1 one.
  const mask = Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1]);
  const rle: Rle = { size: [3, 4], counts: [2, 5, 4, 1] };

  it('encodes and decodes the 3×4 mask', () => {
    expect(encodeMask(mask, 3, 4)).toEqual(rle);
    expect(decodeMask(rle)).toEqual(mask);
  });

  it('compresses it character by character', () => {
    // 2 → '2', 5 → '5', 4 → '4'; 4th count is a delta: 1 − 5 = −4, low 5 bits 11100 = 28 with
    // the sign bit set and nothing left (−4 >> 5 = −1), so one group: 28 + 48 = 'L'.
    expect(compressRle(rle)).toEqual({ size: [3, 4], counts: '254L' });
    expect(decompressRle({ size: [3, 4], counts: '254L' })).toEqual(rle);
  });

  it('writes multi-group values, the sign bit and deltas from the 4th count on', () => {
    // 100 = 3·32 + 4 → group 4 with continuation (4 + 32 + 48 = 'T'), then 3 → '3'.
    // 16 has bit 0x10 set, so it needs a second group to read as positive: 16 + 32 + 48 = '`', then '0'.
    // 31 → 31 + 32 + 48 = 'o', then '0'.
    expect(compressRle({ size: [1, 147], counts: [100, 16, 31] }).counts).toBe('T3`0o0');
    // The third count is not a delta: [5, 1, 6] → '516'.
    expect(compressRle({ size: [1, 12], counts: [5, 1, 6] }).counts).toBe('516');
    // 150 = 4·32 + 22 → 22 has 0x10 set → 'f' (22+32+48) then '4'. 4th count 50: delta 50 − 150 = −100
    // = −4·32 + 28 → 'l' (28+32+48), then −4 → 28 with sign → 'L'.
    const counts = [1, 150, 2, 50];
    expect(compressRle({ size: [7, 29], counts }).counts).toBe('1f42lL');
    expect(decompressRle({ size: [7, 29], counts: '1f42lL' }).counts).toEqual(counts);
  });

  it('area and bbox of the 3×4 mask', () => {
    expect(rleArea(rle)).toBe(6);
    expect(rleBbox(rle)).toEqual([0, 0, 4, 3]);
    // A single pixel at row 2, column 1 of a 3×4 image: 5 zeros, 1 one, 6 zeros.
    expect(rleBbox({ size: [3, 4], counts: [5, 1, 6] })).toEqual([1, 2, 1, 1]);
    expect(rleBbox({ size: [3, 4], counts: [12] })).toEqual([0, 0, 0, 0]);
  });

  it('empty, full and degenerate shapes', () => {
    expect(encodeMask(new Uint8Array(6), 2, 3)).toEqual({ size: [2, 3], counts: [6] });
    expect(encodeMask(new Uint8Array(6).fill(7), 2, 3)).toEqual({ size: [2, 3], counts: [0, 6] });
    expect(compressRle({ size: [2, 3], counts: [0, 6] }).counts).toBe('06');
    expect(encodeMask(new Uint8Array(0), 0, 5)).toEqual({ size: [0, 5], counts: [0] });
  });
});

describe('random masks (property tests)', () => {
  const rand = mulberry32(12345);
  const shapes: [number, number][] = [
    [1, 1],
    [1, 17],
    [23, 1],
    [3, 4],
    [16, 9],
    [31, 40],
  ];

  it('round-trips encode → compress → decompress → decode', () => {
    for (let trial = 0; trial < 300; trial++) {
      const [h, w] = shapes[trial % shapes.length];
      const mask = randomMask(rand, h, w);
      const rle = encodeMask(mask, h, w);
      expect(rle.counts.reduce((s, c) => s + c, 0)).toBe(h * w);
      expect(rle.counts.slice(1).every((c) => c > 0)).toBe(true);
      const back = decompressRle(compressRle(rle));
      expect(back).toEqual(rle);
      expect(decodeMask(back)).toEqual(binary(mask));
      expect(rleArea(rle)).toBe(binary(mask).reduce((s, v) => s + v, 0));
    }
  });

  it('encodes masks that are views at unaligned offsets, and masks of any byte values', () => {
    for (let trial = 0; trial < 50; trial++) {
      const [h, w] = [7, 12];
      const mask = randomMask(rand, h, w);
      const backing = new Uint8Array(h * w + 4);
      backing.set(
        mask.map((v) => (v ? 1 + Math.floor(rand() * 255) : 0)),
        trial % 4,
      );
      const view = backing.subarray(trial % 4, (trial % 4) + h * w);
      expect(encodeMask(view, h, w)).toEqual(encodeMask(binary(mask), h, w));
      expect(decodeMask(encodeMask(view, h, w))).toEqual(binary(mask));
    }
  });

  it('bbox equals the pixel extent', () => {
    for (let trial = 0; trial < 200; trial++) {
      const [h, w] = shapes[trial % shapes.length];
      const mask = randomMask(rand, h, w);
      let [x0, y0, x1, y1] = [w, h, -1, -1];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (mask[y * w + x])
            [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      const expected = x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
      const box = rleBbox(encodeMask(mask, h, w));
      // pycocotools widens to full height when one run spans two columns; that only ever grows the box.
      expect(box[0]).toBe(expected[0]);
      expect(box[2]).toBe(expected[2]);
      if (x1 >= 0) {
        expect(box[1]).toBeLessThanOrEqual(expected[1]);
        expect(box[1] + box[3]).toBeGreaterThanOrEqual(expected[1] + expected[3]);
      }
    }
  });

  it('intersection, merge and IoU agree with per-pixel counting', () => {
    for (let trial = 0; trial < 200; trial++) {
      const [h, w] = shapes[(trial + 3) % shapes.length];
      const a = randomMask(rand, h, w);
      const b = randomMask(rand, h, w);
      let inter = 0;
      let union = 0;
      let areaA = 0;
      for (let i = 0; i < h * w; i++) {
        inter += a[i] && b[i] ? 1 : 0;
        union += a[i] || b[i] ? 1 : 0;
        areaA += a[i] ? 1 : 0;
      }
      const ra = encodeMask(a, h, w);
      const rb = encodeMask(b, h, w);
      expect(rleIntersectionArea(ra, rb)).toBe(inter);
      const andRle = rleMerge([ra, rb], true);
      const orRle = rleMerge([ra, rb], false);
      expect(decodeMask(andRle)).toEqual(Uint8Array.from(a, (v, i) => (v && b[i] ? 1 : 0)));
      expect(decodeMask(orRle)).toEqual(Uint8Array.from(a, (v, i) => (v || b[i] ? 1 : 0)));
      expect(rleArea(andRle)).toBe(inter);
      expect(rleArea(orRle)).toBe(union);
      const iou = rleIou([ra], [rb, rb], [false, true]);
      expect(iou.length).toBe(2);
      expect(iou[0]).toBeCloseTo(inter === 0 ? 0 : inter / union, 12);
      expect(iou[1]).toBeCloseTo(inter === 0 ? 0 : inter / areaA, 12);
    }
  });

  it('merges three masks at once', () => {
    const [h, w] = [9, 7];
    const masks = [0, 1, 2].map(() => randomMask(rand, h, w));
    const union = decodeMask(
      rleMerge(
        masks.map((m) => encodeMask(m, h, w)),
        false,
      ),
    );
    expect(union).toEqual(Uint8Array.from(masks[0], (v, i) => (v || masks[1][i] || masks[2][i] ? 1 : 0)));
  });

  it('IoU matrix is dt-major', () => {
    const h = 4;
    const w = 4;
    const left = new Uint8Array(16);
    const top = new Uint8Array(16);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) {
        left[y * w + x] = x < 2 ? 1 : 0;
        top[y * w + x] = y < 1 ? 1 : 0;
      }
    const l = encodeMask(left, h, w);
    const t = encodeMask(top, h, w);
    const e = encodeMask(new Uint8Array(16), h, w);
    // left (8 px) vs top (4 px): 2 shared, union 10.
    const iou = rleIou([l, t, e], [t, l], [false, false]);
    expect(Array.from(iou)).toEqual([0.2, 1, 1, 0.2, 0, 0]);
  });
});

describe('pycocotools edge semantics', () => {
  it('rleIou gives −1 for overlapping boxes of different mask sizes, 0 for disjoint ones', () => {
    const a: Rle = { size: [2, 2], counts: [0, 4] };
    const b: Rle = { size: [3, 3], counts: [0, 9] };
    const far: Rle = { size: [4, 4], counts: [15, 1] }; // only pixel (3, 3)
    expect(Array.from(rleIou([a], [b, far], [false, false]))).toEqual([-1, 0]);
  });

  it('rleMerge of different sizes is an empty RLE of size [0, 0]', () => {
    const merged = rleMerge(
      [
        { size: [2, 2], counts: [0, 4] },
        { size: [2, 3], counts: [0, 6] },
      ],
      true,
    );
    expect(merged).toEqual({ size: [0, 0], counts: [] });
    expect(rleArea(merged)).toBe(0);
    expect(rleMerge([], false)).toEqual({ size: [0, 0], counts: [] });
  });

  it('uncompressed counts with zero-length runs keep their runs', () => {
    // [1, 0, 2, 3, 0]: 1 bg, 0 fg, 2 bg, 3 fg, 0 bg over a 2×3 image → column-major pixels 3..5 on,
    // i.e. (row 1, col 1), (row 0, col 2), (row 1, col 2).
    const rle = toRle({ size: [2, 3], counts: [1, 0, 2, 3, 0] }, 2, 3, { file: 'x.json', field: 's' });
    expect(rle.counts).toEqual([1, 0, 2, 3, 0]);
    expect(decodeMask(rle)).toEqual(Uint8Array.from([0, 0, 1, 0, 1, 1]));
    expect(decompressRle(compressRle(rle)).counts).toEqual([1, 0, 2, 3, 0]);
    expect(rleIntersectionArea(rle, { size: [2, 3], counts: [4, 2] })).toBe(2);
  });
});

describe('polygons', () => {
  it('fills pixels whose centres lie inside an integer rectangle', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 100; trial++) {
      const h = 5 + Math.floor(rand() * 20);
      const w = 5 + Math.floor(rand() * 20);
      const x0 = Math.floor(rand() * w);
      const x1 = x0 + 1 + Math.floor(rand() * (w - x0));
      const y0 = Math.floor(rand() * h);
      const y1 = y0 + 1 + Math.floor(rand() * (h - y0));
      const expected = new Uint8Array(h * w);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) expected[y * w + x] = 1;
      // Vertices in either orientation, starting anywhere.
      const poly = trial % 2 ? [x0, y0, x1, y0, x1, y1, x0, y1] : [x1, y1, x1, y0, x0, y0, x0, y1];
      expect(decodeMask(polygonsToRle([poly], h, w))).toEqual(expected);
      // A first part of exactly 4 numbers is a box [x, y, w, h].
      expect(decodeMask(polygonsToRle([[x0, y0, x1 - x0, y1 - y0]], h, w))).toEqual(expected);
    }
  });

  it('matches the pixel-centre rule for random triangles, away from the edges', () => {
    const rand = mulberry32(99);
    const [h, w] = [20, 24];
    let compared = 0;
    for (let trial = 0; trial < 60; trial++) {
      const pts = Array.from({ length: 6 }, (_, i) => (i % 2 ? rand() * h : rand() * w));
      const mask = decodeMask(polygonsToRle([pts], h, w));
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const [cx, cy] = [x + 0.5, y + 0.5];
          if (distanceToTriangleEdges(pts, cx, cy) < 0.6) continue; // vertices are rounded to 1/5 px
          expect(mask[y * w + x]).toBe(insideTriangle(pts, cx, cy) ? 1 : 0);
          compared++;
        }
    }
    expect(compared).toBeGreaterThan(10000);
  });

  it('reproduces a published pycocotools string for a box', () => {
    // pycocotools.mask.frPyObjects(box [10, 10, 10, 10], 25, 25) as quoted in the test suite of
    // pytorchcocotools. By hand: 260 zeros ('T8': 4 + 32 + 48, then 8), 10 ones (':'), 15 zeros ('?'),
    // then 17 zero deltas, and the last run 130 as delta 130 − 15 = 115 = 3·32 + 19 → 'c', '3'.
    const expected = 'T8:?00000000000000000c3';
    expect(compressRle(polygonsToRle([[10, 10, 10, 10]], 25, 25)).counts).toBe(expected);
    expect(compressRle(polygonsToRle([[10, 10, 20, 10, 20, 20, 10, 20]], 25, 25)).counts).toBe(expected);
  });

  it('reproduces published pycocotools strings for polygons and uncompressed RLE', () => {
    // Outputs of pycocotools.mask.frPyObjects quoted in pytorchcocotools' test suite (which asserts
    // that pycocotools produces them); frPyObjects returns one RLE per polygon part.
    const poly = [10, 10, 20, 10, 20, 20, 21, 21, 10, 20];
    expect(compressRle(polygonPartToRle(poly, 25, 25)).counts).toBe('T8:?00000000001O00000:F`2');
    const uncompressed = { size: [25, 25], counts: [130, 5, 20, 5, 20, 5, 20, 5, 20, 5, 390] };
    expect(compressRle(toRle(uncompressed, 25, 25, { file: 't', field: 's' })).counts).toBe('R45d00000000b;');
    // A real COCO annotation (two parts) in a 427×640 image: non-integer vertices, diagonal edges.
    const parts = [
      [
        266.83, 189.37, 267.79, 175.29, 269.46, 170.04, 271.37, 165.98, 270.89, 163.12, 269.12, 159.54, 272.8,
        156.44, 287.36, 156.44, 293.33, 157.87, 296.91, 160.49, 296.91, 161.21, 291.89, 161.92, 289.98,
        165.03, 291.42, 169.56, 285.16, 196.54,
      ],
      [
        266.35, 214.44, 270.41, 217.3, 276.38, 218.97, 282.11, 218.97, 285.93, 217.3, 286.88, 207.28, 267.07,
        201.07,
      ],
    ];
    expect(parts.map((part) => compressRle(polygonPartToRle(part, 427, 640)).counts)).toEqual([
      '\\`_3;j<6B@nCc0Q<@kCc0S<;01N10001O001O00001O001O0000O1L4K6K4L4B]COh<O<O001O0O2Omk^4',
      'RT_32n<<O100O0010O000010O0001O00001O000O101O0ISPc4',
    ]);
  });

  it('unions parts (with pycocotools box rule)', () => {
    const rle = polygonsToRle(
      [
        [0, 0, 2, 0, 2, 2, 0, 2],
        [1, 1, 4, 1, 4, 3, 1, 3],
      ],
      4,
      5,
    );
    // Part 1 covers rows 0–1 × cols 0–1; part 2 rows 1–2 × cols 1–3.
    expect(Array.from(decodeMask(rle))).toEqual([1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const boxes = polygonsToRle(
      [
        [0, 0, 2, 2],
        [3, 2, 2, 2],
      ],
      4,
      5,
    );
    expect(Array.from(decodeMask(boxes))).toEqual([
      1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1,
    ]);
  });
});

function insideTriangle(p: number[], x: number, y: number): boolean {
  const s = (ax: number, ay: number, bx: number, by: number) => (bx - ax) * (y - ay) - (by - ay) * (x - ax);
  const d1 = s(p[0], p[1], p[2], p[3]);
  const d2 = s(p[2], p[3], p[4], p[5]);
  const d3 = s(p[4], p[5], p[0], p[1]);
  return (d1 > 0 && d2 > 0 && d3 > 0) || (d1 < 0 && d2 < 0 && d3 < 0);
}

function distanceToTriangleEdges(p: number[], x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const [ax, ay, bx, by] = [p[2 * i], p[2 * i + 1], p[(2 * i + 2) % 6], p[(2 * i + 3) % 6]];
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / len2));
    best = Math.min(best, Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)));
  }
  return best;
}

describe('toRle validation', () => {
  const where = { file: 'ann.json', field: 'annotations[3].segmentations[5]', index: 5 };
  const bad: [string, unknown, RegExp][] = [
    ['null', null, /segmentation must be/],
    ['a number', 3, /segmentation must be/],
    ['wrong size', { size: [4, 3], counts: [12] }, /size/],
    ['missing size', { counts: [12] }, /size/],
    ['counts sum', { size: [3, 4], counts: [5, 6] }, /sum to 11/],
    ['negative run', { size: [3, 4], counts: [13, -1] }, /non-negative/],
    ['fractional run', { size: [3, 4], counts: [11.5, 0.5] }, /non-negative integer/],
    ['string run', { size: [3, 4], counts: [1, '11'] }, /not a number/],
    ['bad character', { size: [3, 4], counts: '2 4L' }, /character/],
    ['unterminated', { size: [3, 4], counts: '25T' }, /middle of a value/],
    ['compressed sum', { size: [3, 4], counts: '254' }, /sum to 11/],
    ['counts missing', { size: [3, 4] }, /counts must be/],
    ['empty polygon list', [], /no parts/],
    ['short polygon', [[1, 2]], /at least 6/],
    ['odd polygon', [[1, 2, 3, 4, 5, 6, 7]], /even/],
    ['NaN coordinate', [[1, 2, 3, NaN, 5, 6]], /finite/],
    ['huge coordinate', [[1, 2, 3, 1e9, 5, 6]], /finite/],
    [
      'box then polygon',
      [
        [1, 1, 2, 2],
        [0, 0, 1, 0, 1, 1],
      ],
      /box/,
    ],
  ];
  for (const [name, seg, message] of bad) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        toRle(seg, 3, 4, where);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PointvisDataError);
      const error = caught as PointvisDataError;
      expect(error.message).toMatch(message);
      expect(error.file).toBe('ann.json');
      expect(error.field?.startsWith('annotations[3].segmentations[5]')).toBe(true);
    });
  }

  it('names the counts field for count problems', () => {
    expect(() => toRle({ size: [3, 4], counts: '254' }, 3, 4, where)).toThrow(
      /ann.json, field annotations\[3\]\.segmentations\[5\]\.counts, index 5/,
    );
  });

  it('accepts all three forms, giving the same mask', () => {
    const a = toRle({ size: [3, 4], counts: [2, 5, 4, 1] }, 3, 4, where);
    const b = toRle({ size: [3, 4], counts: '254L' }, 3, 4, where);
    expect(a).toEqual(b);
    const c = toRle([[1, 0, 3, 0, 3, 2, 1, 2]], 3, 4, where);
    // cols 1–2 × rows 0–1 → column-major: 3 zeros, 2 ones, 1 zero, 2 ones, 4 zeros.
    expect(c.counts).toEqual([3, 2, 1, 2, 4]);
  });
});
