// RLE codec throughput on 480×640 masks with a few elliptical blobs, against two references run
// in the same process: a plain copy of the mask (memory bandwidth) and a naive per-pixel loop
// reading the mask in column-major order (the traversal RLE needs). Prints one JSON object.
import { compressRle, decodeMask, decompressRle, encodeMask, rleIou } from '../pointvis/rle';

const HEIGHT = 480;
const WIDTH = 640;
const MASKS = 32;
const MB = 1024 * 1024;

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

function blobMask(rand: () => number): Uint8Array {
  const mask = new Uint8Array(HEIGHT * WIDTH);
  const blobs = 2 + Math.floor(rand() * 3);
  for (let b = 0; b < blobs; b++) {
    const cy = rand() * HEIGHT;
    const cx = rand() * WIDTH;
    const ry = 20 + rand() * 100;
    const rx = 20 + rand() * 120;
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(HEIGHT, cy + ry); y++)
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(WIDTH, cx + rx); x++)
        if (((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 < 1) mask[y * WIDTH + x] = 1;
  }
  return mask;
}

/** Best-of-5 throughput in MB of mask per second, each run at least ~200 ms. */
function throughput(bytesPerCall: number, call: (i: number) => unknown): number {
  let best = 0;
  for (let run = 0; run < 5; run++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 200) {
      sink ^= Number(call(calls++) !== undefined);
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (calls * bytesPerCall) / MB / (elapsed / 1000));
  }
  return best;
}
let sink = 0;

const rand = mulberry32(2024);
const masks = Array.from({ length: MASKS }, () => blobMask(rand));
const rles = masks.map((m) => encodeMask(m, HEIGHT, WIDTH));
const compressed = rles.map(compressRle);
const bytes = HEIGHT * WIDTH;

const copyMBs = throughput(bytes, (i) => masks[i % MASKS].slice());
const columnLoopMBs = throughput(bytes, (i) => {
  const mask = masks[i % MASKS];
  let transitions = 0;
  let previous = 0;
  for (let x = 0; x < WIDTH; x++)
    for (let p = x; p < bytes; p += WIDTH) {
      const v = mask[p] !== 0 ? 1 : 0;
      transitions += v ^ previous;
      previous = v;
    }
  return transitions;
});
const encodeMBs = throughput(bytes, (i) => encodeMask(masks[i % MASKS], HEIGHT, WIDTH));
const decodeMBs = throughput(bytes, (i) => decodeMask(rles[i % MASKS]));
const compressMBs = throughput(bytes, (i) => compressRle(rles[i % MASKS]));
const decompressMBs = throughput(bytes, (i) => decompressRle(compressed[i % MASKS]));
const iouStart = performance.now();
const iou = rleIou(rles, rles, new Array<boolean>(MASKS).fill(false));
const iouMs = performance.now() - iouStart;

const round = (v: number) => Math.round(v * 10) / 10;
console.log(
  JSON.stringify({
    bench: 'data-rle',
    mask: `${HEIGHT}x${WIDTH}`,
    masks: MASKS,
    mean_runs_per_mask: round(rles.reduce((s, r) => s + r.counts.length, 0) / MASKS),
    mean_compressed_chars: round(compressed.reduce((s, c) => s + c.counts.length, 0) / MASKS),
    reference_copy_MBps: round(copyMBs),
    reference_column_loop_MBps: round(columnLoopMBs),
    encode_MBps: round(encodeMBs),
    decode_MBps: round(decodeMBs),
    compress_MBps_of_mask: round(compressMBs),
    decompress_MBps_of_mask: round(decompressMBs),
    encode_vs_column_loop: round(encodeMBs / columnLoopMBs),
    decode_vs_column_loop: round(decodeMBs / columnLoopMBs),
    iou_pairs_per_ms: round((MASKS * MASKS) / iouMs),
    iou_diagonal_ok: iou.every((v, k) => (k % (MASKS + 1) === 0 ? v === 1 : true)),
    sink,
  }),
);
