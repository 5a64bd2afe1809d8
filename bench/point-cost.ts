/**
 * Point-matching costs on the GPU vs the float64 CPU reference, in the same process.
 * Default: 16 videos × 100 proposals × 20 frames × 64×64 masks × 5 objects, P1N1 on every frame
 * (1 positive + 1 negative point per object per frame), paper weights. Three GPU entries:
 *  - soft_gpu:   soft masks already on the GPU (model output) → pack + maskness + costs;
 *  - bits_gpu:   packed masks (slices of one batch tensor) on the GPU, confidence given → costs;
 *  - bits_upload: packed masks on the CPU → upload + costs.
 * Each GPU time includes building and uploading the point tables; `ratio` = cpuMs / gpuMs, and
 * `maxAbsDiff` checks the GPU costs against the reference.
 */
import { type Tensor, engine, select, tensor, tidy, tidyAsync, wordsPerRow } from '../engine/index.js';
import { type MatcherVideo, buildPointCosts, packMaskBits } from '../pointvis/matcher';
import type { LabeledPoint } from '../pointvis/formats/types';
import { maskBitAt } from '../shaders/pointcost/layout.js';
import { type DefinitionProblem, pointCostDefinitionReference } from '../shaders/pointcost/reference.js';
import { type BenchEntry, timeGpu } from './timing.js';

export interface PointCostBenchConfig {
  videos: number;
  proposals: number;
  frames: number;
  side: number;
  objects: number;
  reps: number;
}

const DEFAULT_CONFIG: PointCostBenchConfig = {
  videos: 16,
  proposals: 100,
  frames: 20,
  side: 64,
  objects: 5,
  reps: 5,
};

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BenchVideo {
  soft: Float32Array;
  bits: Uint32Array;
  maskness: number[];
  confidence: number[];
  points: LabeledPoint[][][]; // [object][frame] → points
}

/** Drifting soft ellipses; objects 0..J-1 are proposals 0..J-1 with one click in and one out. */
function makeVideo(c: PointCostBenchConfig, random: () => number): BenchVideo {
  const { proposals: R, frames: T, side: S } = c;
  const soft = new Float32Array(R * T * S * S);
  for (let r = 0; r < R; r++) {
    const cx = random() * S;
    const cy = random() * S;
    const rx = 2 + random() * S * 0.4;
    const ry = 2 + random() * S * 0.4;
    const vx = (random() - 0.5) * 0.6;
    const vy = (random() - 0.5) * 0.6;
    for (let t = 0; t < T; t++) {
      const ox = cx + vx * t;
      const oy = cy + vy * t;
      for (let y = 0; y < S; y++) {
        const dy = (y + 0.5 - oy) / ry;
        for (let x = 0; x < S; x++) {
          const dx = (x + 0.5 - ox) / rx;
          const v = 1.5 - (dx * dx + dy * dy);
          soft[((r * T + t) * S + y) * S + x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  const shape = [R, T, S, S] as const;
  const bits = packMaskBits(soft, shape);
  const maskness = Array.from({ length: R }, (_, r) => {
    let s = 0;
    for (let i = r * T * S * S; i < (r + 1) * T * S * S; i++) s += soft[i]!;
    return s / (T * S * S);
  });
  const pick = (r: number, t: number, inside: boolean): LabeledPoint | null => {
    for (let tries = 0; tries < 200; tries++) {
      const x = random() * S;
      const y = random() * S;
      const v = soft[((r * T + t) * S + Math.floor(y)) * S + Math.floor(x)]!;
      if (v > 0.5 === inside) return [x, y, inside ? 1 : 0];
    }
    return null;
  };
  const points = Array.from({ length: c.objects }, (_, j) =>
    Array.from({ length: T }, (_, t) =>
      [pick(j, t, true), pick(j, t, false)].filter((p): p is LabeledPoint => p !== null),
    ),
  );
  return { soft, bits, maskness, confidence: Array.from({ length: R }, () => random()), points };
}

/** The float64 reference for all videos; `fromBits` reads packed masks instead of soft values. */
function cpuCosts(c: PointCostBenchConfig, videos: BenchVideo[], fromBits: boolean): number[][] {
  const { proposals: R, frames: T, side: S } = c;
  const stride = T * S * wordsPerRow(S);
  return videos.map((v) => {
    const maskness = fromBits
      ? v.confidence
      : Array.from({ length: R }, (_, r) => {
          let s = 0;
          for (let i = r * T * S * S; i < (r + 1) * T * S * S; i++) s += v.soft[i]!;
          return s / (T * S * S);
        });
    const problem: DefinitionProblem = {
      proposals: R,
      frames: T,
      mask: fromBits
        ? (r, t, y, x) => maskBitAt(v.bits, 0, stride, S, S, r, t, y, x)
        : (r, t, y, x) => (v.soft[((r * T + t) * S + y) * S + x]! > 0.5 ? 1 : 0),
      scores: maskness,
      objects: v.points.map((o) => ({
        frames: o.map((pts) => pts.map((p) => ({ x: Math.floor(p[0]), y: Math.floor(p[1]), label: p[2] }))),
      })),
    };
    return pointCostDefinitionReference([problem], {
      weights: { ann: 5, cineg: 5, maskness: 2 },
      normalize: 'none',
      presence: 'any-point',
      pad: 0,
    }).cost;
  });
}

function timeCpu(fn: () => void, reps: number): number {
  fn();
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / reps;
}

async function maxDiff(inputs: MatcherVideo[], expected: number[][]): Promise<number> {
  return tidyAsync(async () => {
    const costs = buildPointCosts(inputs);
    const data = await costs.cost.data();
    let worst = 0;
    const per = costs.maxObjects * costs.maxProposals;
    expected.forEach((e, b) =>
      e.forEach((x, i) => (worst = Math.max(worst, Math.abs(data[b * per + i]! - x)))),
    );
    return worst;
  });
}

export async function benchPointCost(overrides: Partial<PointCostBenchConfig> = {}): Promise<BenchEntry[]> {
  const c = { ...DEFAULT_CONFIG, ...overrides };
  const random = mulberry(20240);
  const videos = Array.from({ length: c.videos }, () => makeVideo(c, random));
  const shape = [c.proposals, c.frames, c.side, c.side] as const;
  const config = {
    videos: c.videos,
    proposals: c.proposals,
    frames: c.frames,
    height: c.side,
    width: c.side,
    objects: c.objects,
    points: videos.reduce((n, v) => n + v.points.flat().reduce((m, p) => m + p.length, 0), 0),
  };
  const cpuReps = Math.max(1, Math.min(3, c.reps));

  // Inputs resident on the GPU, as in training: one soft tensor per video (model output) and
  // the packed masks as per-video slices of one batch tensor (read in place, no copy).
  const softTensors: Tensor[] = [];
  const bitViews: Tensor[] = [];
  const allBits = new Uint32Array(videos.reduce((n, v) => n + v.bits.length, 0));
  videos.forEach((v, b) => allBits.set(v.bits, b * v.bits.length));
  const bitsBatch = tensor(allBits, [c.videos, c.proposals, c.frames, c.side, wordsPerRow(c.side)], 'u32');
  for (let b = 0; b < c.videos; b++) {
    softTensors.push(tensor(videos[b]!.soft, [...shape]));
    bitViews.push(select(bitsBatch, 0, b));
  }
  await engine().sync();
  const softInputs: MatcherVideo[] = videos.map((v, b) => ({
    proposals: { soft: softTensors[b]! },
    objects: v.points.map((points) => ({ points })),
  }));
  const bitInputs: MatcherVideo[] = videos.map((v, b) => ({
    proposals: { bits: bitViews[b]!, shape },
    scores: v.confidence,
    objects: v.points.map((points) => ({ points })),
  }));
  const uploadInputs: MatcherVideo[] = videos.map((v) => ({
    proposals: { bits: v.bits, shape },
    scores: v.confidence,
    objects: v.points.map((points) => ({ points })),
  }));
  const run = (inputs: MatcherVideo[]) => () => tidy(() => void buildPointCosts(inputs));

  const entries: BenchEntry[] = [];
  try {
    const softExpected = cpuCosts(c, videos, false);
    const bitsExpected = cpuCosts(c, videos, true);
    const cpuSoft = timeCpu(() => void cpuCosts(c, videos, false), cpuReps);
    const cpuBits = timeCpu(() => void cpuCosts(c, videos, true), cpuReps);
    const cases: [string, MatcherVideo[], number, number[][]][] = [
      ['point_cost_soft_gpu', softInputs, cpuSoft, softExpected],
      ['point_cost_bits_gpu', bitInputs, cpuBits, bitsExpected],
      ['point_cost_bits_upload', uploadInputs, cpuBits, bitsExpected],
    ];
    for (const [name, inputs, cpuMs, expected] of cases) {
      const gpuMs = await timeGpu(run(inputs), c.reps);
      entries.push({
        name,
        ...config,
        gpuMs,
        cpuMs,
        ratio: cpuMs / gpuMs,
        maxAbsDiff: await maxDiff(inputs, expected),
      });
    }
  } finally {
    for (const t of [...softTensors, ...bitViews, bitsBatch]) t.dispose();
  }
  return entries;
}
