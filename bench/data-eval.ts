// Times the YouTube-VIS evaluator on a seeded synthetic benchmark of realistic size: 300 videos,
// 40 categories, 10 frames of 360×640, 100 detections per video (perturbed copies of the ground
// truth plus random masks). Prints one JSON object.
import type {
  CompressedRle,
  Rle,
  YtvisAnnotation,
  YtvisDataset,
  YtvisResult,
} from '../pointvis/formats/types';
import { evaluateYtvis } from '../pointvis/eval/index';
import { compressRle, rleArea } from '../pointvis/rle/index';

const VIDEOS = 300;
const CATEGORIES = 40;
const FRAMES = 10;
const HEIGHT = 360;
const WIDTH = 640;
const DETECTIONS_PER_VIDEO = 100;

/** mulberry32: small, seeded, good enough for synthetic data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/** An axis-aligned filled ellipse as column-major RLE, built column by column without a pixel buffer. */
function ellipseRle(e: Ellipse): Rle {
  const counts: number[] = [];
  let position = 0; // column-major index where the pending background run started
  for (let x = Math.max(0, Math.ceil(e.cx - e.rx)); x <= Math.min(WIDTH - 1, Math.floor(e.cx + e.rx)); x++) {
    const dx = (x - e.cx) / e.rx;
    const half = e.ry * Math.sqrt(Math.max(0, 1 - dx * dx));
    const y0 = Math.max(0, Math.round(e.cy - half));
    const y1 = Math.min(HEIGHT, Math.round(e.cy + half));
    if (y1 <= y0) continue;
    const start = x * HEIGHT + y0;
    counts.push(start - position, y1 - y0);
    position = x * HEIGHT + y1;
  }
  counts.push(HEIGHT * WIDTH - position);
  return { size: [HEIGHT, WIDTH], counts };
}

function randomEllipse(next: () => number): Ellipse {
  return { cx: next() * WIDTH, cy: next() * HEIGHT, rx: 10 + next() * 150, ry: 10 + next() * 120 };
}

/** A track: one ellipse drifting over the frames; absent (null) on some frames. */
function track(next: () => number, base: Ellipse, absentRate: number): (Ellipse | null)[] {
  const vx = (next() - 0.5) * 20;
  const vy = (next() - 0.5) * 10;
  return Array.from({ length: FRAMES }, (_, t) =>
    next() < absentRate ? null : { ...base, cx: base.cx + vx * t, cy: base.cy + vy * t },
  );
}

function jitter(next: () => number, e: Ellipse | null): Ellipse | null {
  if (e === null) return next() < 0.2 ? randomEllipse(next) : null;
  const s = 0.85 + next() * 0.3;
  return { cx: e.cx + (next() - 0.5) * 16, cy: e.cy + (next() - 0.5) * 16, rx: e.rx * s, ry: e.ry * s };
}

function generate(seed: number): { gt: YtvisDataset; results: YtvisResult[] } {
  const next = random(seed);
  const annotations: YtvisAnnotation[] = [];
  const results: YtvisResult[] = [];
  const encode = (e: Ellipse | null): CompressedRle | null => {
    if (e === null) return null;
    const rle = compressRle(ellipseRle(e));
    // Reading one character makes V8 flatten the incrementally built string now, so the strings
    // are flat as if parsed from a results file (and the rope pieces are freed early).
    rle.counts.charCodeAt(0);
    return rle;
  };
  for (let v = 1; v <= VIDEOS; v++) {
    const objects = 1 + Math.floor(next() * 4);
    for (let o = 0; o < objects; o++) {
      const category = 1 + Math.floor(next() * CATEGORIES);
      const ellipses = track(next, randomEllipse(next), 0.1);
      const masks = ellipses.map((e) => (e === null ? null : ellipseRle(e)));
      annotations.push({
        id: annotations.length + 1,
        video_id: v,
        category_id: category,
        segmentations: masks,
        areas: masks.map((m) => (m === null ? null : rleArea(m))),
        iscrowd: next() < 0.03 ? 1 : 0,
      });
      // Perturbed copies: mostly the right category, some confused with another.
      for (let c = 0; c < 6; c++) {
        results.push({
          video_id: v,
          category_id: next() < 0.7 ? category : 1 + Math.floor(next() * CATEGORIES),
          score: next(),
          segmentations: ellipses.map((e) => encode(jitter(next, e))),
        });
      }
    }
    while (results.length < v * DETECTIONS_PER_VIDEO) {
      results.push({
        video_id: v,
        category_id: 1 + Math.floor(next() * CATEGORIES),
        score: next() * 0.5,
        segmentations: track(next, randomEllipse(next), 0.05).map(encode),
      });
    }
  }
  const videos = Array.from({ length: VIDEOS }, (_, i) => ({
    id: i + 1,
    width: WIDTH,
    height: HEIGHT,
    length: FRAMES,
    file_names: Array.from({ length: FRAMES }, (_, t) => `${i + 1}/${t}.jpg`),
  }));
  const categories = Array.from({ length: CATEGORIES }, (_, i) => ({ id: i + 1, name: `category${i + 1}` }));
  return { gt: { videos, annotations, categories }, results };
}

const t0 = performance.now();
const { gt, results } = generate(2024);
const t1 = performance.now();
const summary = evaluateYtvis(gt, results);
const t2 = performance.now();
const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify({
    benchmark: 'data-eval',
    videos: VIDEOS,
    categories: CATEGORIES,
    frames_per_video: FRAMES,
    frame_size: [HEIGHT, WIDTH],
    gt_tracks: gt.annotations.length,
    detections: results.length,
    seconds: round((t2 - t1) / 1000),
    generate_seconds: round((t1 - t0) / 1000),
    AP: round(summary.AP),
    AP50: round(summary.AP50),
    AR100: round(summary.AR100),
  }),
);
