/**
 * Builds the point-cost kernels' "tables" buffer (layout.ts) from matching problems on the CPU.
 * The heavy work (one mask lookup per point and proposal) is on the GPU; this is a pass over
 * the points that sorts them by (problem, frame, object) and precomputes per-object counts.
 */
import {
  MAX_MASK_SIDE,
  OBJECT,
  OBJECT_FRAME,
  OBJECT_FRAME_STRIDE,
  OBJECT_STRIDE,
  POINT_STRIDE,
  PROBLEM,
  PROBLEM_STRIDE,
  SEGMENT,
  SEGMENT_STRIDE,
  wordsPerRow,
} from './layout.js';

/** A point mapped to a pixel of the problem's mask grid: column x, row y (integers). */
export interface PixelPoint {
  readonly x: number;
  readonly y: number;
  readonly label: 0 | 1;
}

export interface PointCostObject {
  /** One entry per frame of the problem (missing = not annotated): the object's points there. */
  readonly frames: readonly (readonly PixelPoint[] | null)[];
}

/** One matching problem: a video's objects against its proposals (or one frame of them). */
export interface PointCostProblem {
  /** Word offset of proposal 0, frame 0, row 0 in the bits buffer. */
  readonly maskOffset: number;
  readonly proposals: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  /** Words between consecutive proposals (T * H * ceil(W/32) for a dense [R, T, H, Ww] block). */
  readonly proposalStride: number;
  /** scores[scoreOffset + r * scoreStride] is proposal r's maskness (or confidence). */
  readonly scoreOffset: number;
  readonly scoreStride: number;
  readonly objects: readonly PointCostObject[];
}

/**
 * When an object counts as present in a frame (the paper computes costs only over those
 * frames): 'any-point' = it has at least one point there; 'positive-point' = at least one
 * positive point (what a positive-only scheme can tell).
 */
export type PresenceRule = 'any-point' | 'positive-point';

export function framePresent(
  points: readonly { readonly label: number }[] | null | undefined,
  rule: PresenceRule,
): boolean {
  if (!points || points.length === 0) return false;
  return rule === 'any-point' || points.some((p) => p.label === 1);
}

/**
 * 'none': raw counts, as in the paper's eq. 3. 'points': L_ann divided by the object's number
 * of points (over its present frames) and L_cineg by the number of other objects' positive
 * points in those frames (0 when there are none).
 */
export type CostNormalization = 'none' | 'points';

export interface PointCostTables {
  readonly words: Uint32Array;
  readonly problemsAt: number;
  readonly segmentsAt: number;
  readonly pointsAt: number;
  readonly objectsAt: number;
  readonly objectFramesAt: number;
  readonly problemCount: number;
  readonly segmentCount: number;
  readonly pointCount: number;
  readonly objectFrameCount: number;
  /** Padded sizes of the cost matrices: [problems, maxObjects, maxProposals]. */
  readonly maxObjects: number;
  readonly maxProposals: number;
}

interface Segment {
  problem: number;
  frame: number;
  start: number;
  end: number;
}

function checkProblem(p: PointCostProblem, b: number): void {
  const ints: [string, number][] = [
    ['maskOffset', p.maskOffset],
    ['proposals', p.proposals],
    ['frames', p.frames],
    ['height', p.height],
    ['width', p.width],
    ['proposalStride', p.proposalStride],
    ['scoreOffset', p.scoreOffset],
    ['scoreStride', p.scoreStride],
  ];
  for (const [name, v] of ints) {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32)
      throw new RangeError(`point-cost problem ${b}: ${name} is ${v}`);
  }
  if (p.height > MAX_MASK_SIDE || p.width > MAX_MASK_SIDE) {
    throw new RangeError(
      `point-cost problem ${b}: masks ${p.height}x${p.width} exceed ${MAX_MASK_SIDE} per side`,
    );
  }
  p.objects.forEach((o, j) => {
    if (o.frames.length > p.frames) {
      throw new RangeError(
        `point-cost problem ${b} object ${j}: ${o.frames.length} frames of points for ${p.frames} frames`,
      );
    }
  });
}

function checkPoint(q: PixelPoint, p: PointCostProblem, where: () => string): void {
  if (
    !Number.isInteger(q.x) ||
    !Number.isInteger(q.y) ||
    q.x < 0 ||
    q.y < 0 ||
    q.x >= p.width ||
    q.y >= p.height
  ) {
    throw new RangeError(
      `${where()}: pixel (x ${q.x}, y ${q.y}) is outside the ${p.width}x${p.height} masks`,
    );
  }
  if (q.label !== 0 && q.label !== 1) throw new RangeError(`${where()}: label ${String(q.label)}`);
}

export function buildPointCostTables(
  problems: readonly PointCostProblem[],
  options: { presence: PresenceRule; normalize: CostNormalization },
): PointCostTables {
  problems.forEach(checkProblem);
  const maxObjects = problems.reduce((m, p) => Math.max(m, p.objects.length), 0);
  const maxProposals = problems.reduce((m, p) => Math.max(m, p.proposals), 0);

  // Points grouped by (problem, frame, object); per object, its present frames.
  const segments: Segment[] = [];
  const pointWords: number[] = [];
  const objectFrames: number[][] = []; // [segment, ownStart, ownEnd] in slot order
  const objectRecords: { frameStart: number; frameEnd: number; annScale: number; cinegScale: number }[] = [];
  problems.forEach((p, b) => {
    const perObjectFrames: [number, number, number][][] = p.objects.map(() => []);
    const annCount = new Array<number>(p.objects.length).fill(0);
    const cinegCount = new Array<number>(p.objects.length).fill(0);
    for (let t = 0; t < p.frames; t++) {
      const start = pointWords.length / POINT_STRIDE;
      const own: [number, number][] = [];
      let positives = 0;
      p.objects.forEach((o, j) => {
        const pts = o.frames[t] ?? null;
        const ownStart = pointWords.length / POINT_STRIDE;
        for (const q of pts ?? []) {
          checkPoint(q, p, () => `point-cost problem ${b} object ${j} frame ${t}`);
          pointWords.push(((q.y << 16) | q.x) >>> 0, ((j << 1) | q.label) >>> 0);
          positives += q.label;
        }
        own.push([ownStart, pointWords.length / POINT_STRIDE]);
      });
      const end = pointWords.length / POINT_STRIDE;
      if (end === start) continue;
      const segment = segments.length;
      segments.push({ problem: b, frame: t, start, end });
      p.objects.forEach((o, j) => {
        const pts = o.frames[t] ?? null;
        if (!framePresent(pts, options.presence)) return;
        const [s, e] = own[j]!;
        perObjectFrames[j]!.push([segment, s, e]);
        annCount[j]! += e - s;
        cinegCount[j]! += positives - pts!.reduce((n, q) => n + q.label, 0);
      });
    }
    for (let j = 0; j < maxObjects; j++) {
      const frameStart = objectFrames.length;
      for (const f of perObjectFrames[j] ?? []) objectFrames.push(f);
      const scale = (n: number) => (options.normalize === 'points' && n > 0 ? 1 / n : 1);
      objectRecords.push({
        frameStart,
        frameEnd: objectFrames.length,
        annScale: scale(annCount[j] ?? 0),
        cinegScale: scale(cinegCount[j] ?? 0),
      });
    }
  });

  const problemsAt = 0;
  const segmentsAt = problemsAt + problems.length * PROBLEM_STRIDE;
  const pointsAt = segmentsAt + segments.length * SEGMENT_STRIDE;
  const objectsAt = pointsAt + pointWords.length;
  const objectFramesAt = objectsAt + objectRecords.length * OBJECT_STRIDE;
  const total = objectFramesAt + objectFrames.length * OBJECT_FRAME_STRIDE;
  const buffer = new ArrayBuffer(Math.max(total, 1) * 4);
  const words = new Uint32Array(buffer, 0, total);
  const floats = new Float32Array(buffer, 0, total);
  problems.forEach((p, b) => {
    const at = problemsAt + b * PROBLEM_STRIDE;
    words[at + PROBLEM.maskOffset] = p.maskOffset;
    words[at + PROBLEM.proposals] = p.proposals;
    words[at + PROBLEM.frames] = p.frames;
    words[at + PROBLEM.height] = p.height;
    words[at + PROBLEM.width] = p.width;
    words[at + PROBLEM.wordsPerRow] = wordsPerRow(p.width);
    words[at + PROBLEM.proposalStride] = p.proposalStride;
    words[at + PROBLEM.scoreOffset] = p.scoreOffset;
    words[at + PROBLEM.scoreStride] = p.scoreStride;
    words[at + PROBLEM.objects] = p.objects.length;
  });
  segments.forEach((s, i) => {
    const at = segmentsAt + i * SEGMENT_STRIDE;
    words[at + SEGMENT.problem] = s.problem;
    words[at + SEGMENT.frame] = s.frame;
    words[at + SEGMENT.pointStart] = s.start;
    words[at + SEGMENT.pointEnd] = s.end;
  });
  words.set(pointWords, pointsAt);
  objectRecords.forEach((o, i) => {
    const at = objectsAt + i * OBJECT_STRIDE;
    words[at + OBJECT.frameStart] = o.frameStart;
    words[at + OBJECT.frameEnd] = o.frameEnd;
    floats[at + OBJECT.annScale] = o.annScale;
    floats[at + OBJECT.cinegScale] = o.cinegScale;
  });
  objectFrames.forEach((f, i) => {
    const at = objectFramesAt + i * OBJECT_FRAME_STRIDE;
    words[at + OBJECT_FRAME.segment] = f[0]!;
    words[at + OBJECT_FRAME.ownStart] = f[1]!;
    words[at + OBJECT_FRAME.ownEnd] = f[2]!;
  });
  return {
    words,
    problemsAt,
    segmentsAt,
    pointsAt,
    objectsAt,
    objectFramesAt,
    problemCount: problems.length,
    segmentCount: segments.length,
    pointCount: pointWords.length / POINT_STRIDE,
    objectFrameCount: objectFrames.length,
    maxObjects,
    maxProposals,
  };
}
