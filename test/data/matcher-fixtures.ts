/**
 * Test helpers for the matcher: random videos with continuous point coordinates (many on pixel
 * borders), the expected costs computed straight from the definition, and a brute-force solver.
 */
import type { LabeledPoint } from '../../pointvis/formats/types';
import type { MatcherObject } from '../../pointvis/matcher';
import { pointCostDefinitionReference } from '../../shaders/pointcost/reference';
import { randomSoftMasks } from '../engine/point-cost-cases';

export interface TestVideo {
  shape: [number, number, number, number];
  soft: Float32Array;
  objects: MatcherObject[];
  frameWidth: number;
  frameHeight: number;
}

export function randomCoordinate(size: number, random: () => number): number {
  const u = random();
  const i = Math.min(size - 1, Math.floor(random() * size));
  if (u < 0.35) return i; // on a pixel border
  if (u < 0.5) return i + 0.5;
  if (u < 0.65) return Math.min(i + 0.999999, size - 1e-6); // just before the next border
  return Math.min(random() * size, size - 1e-9);
}

export function randomTestVideo(
  random: () => number,
  shape: [number, number, number, number],
  objectCount: number,
  scale = 1,
): TestVideo {
  const [, frames, height, width] = shape;
  const frameWidth = width * scale;
  const frameHeight = height * scale;
  const objects: MatcherObject[] = Array.from({ length: objectCount }, () => {
    const points: (LabeledPoint[] | null)[] = [];
    for (let t = 0; t < frames; t++) {
      const u = random();
      if (u < 0.25) points.push(null);
      else if (u < 0.33) points.push([]);
      else {
        const n = 1 + Math.floor(random() * 3);
        const negOnly = random() < 0.1;
        points.push(
          Array.from({ length: n }, (_, k): LabeledPoint => [
            randomCoordinate(frameWidth, random),
            randomCoordinate(frameHeight, random),
            negOnly ? 0 : k === 0 ? 1 : random() < 0.5 ? 1 : 0,
          ]),
        );
      }
    }
    return { points };
  });
  return { shape, soft: randomSoftMasks(shape, random), objects, frameWidth, frameHeight };
}

export function softAt(v: TestVideo, r: number, t: number, y: number, x: number): number {
  const [, frames, height, width] = v.shape;
  return v.soft[((r * frames + t) * height + y) * width + x]!;
}

/** Pixel read by a point: floor of the coordinate scaled to the mask grid. */
function pixelOf(v: TestVideo, p: LabeledPoint): { x: number; y: number; label: 0 | 1 } {
  const [, , height, width] = v.shape;
  return {
    x: Math.min(width - 1, Math.floor((p[0] * width) / v.frameWidth)),
    y: Math.min(height - 1, Math.floor((p[1] * height) / v.frameHeight)),
    label: p[2],
  };
}

export function meanSoft(v: TestVideo, r: number, frame?: number): number {
  const [, frames, height, width] = v.shape;
  let s = 0;
  let n = 0;
  for (let t = 0; t < frames; t++) {
    if (frame !== undefined && t !== frame) continue;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ((s += softAt(v, r, t, y, x)), n++);
  }
  return s / n;
}

export interface ExpectOptions {
  objects: number[];
  frame?: number; // per-frame problem
  scores: number[];
  weights?: { ann: number; cineg: number; maskness: number };
  normalize?: 'none' | 'points';
  presence?: 'any-point' | 'positive-point';
}

/** The J×R cost rows of one problem from the definition. */
export function expectedCosts(
  v: TestVideo,
  o: ExpectOptions,
): { cost: number[][]; ann: number[][]; cineg: number[][] } {
  const [R] = v.shape;
  const frame = o.frame;
  const objects = o.objects.map((j) => ({
    frames: v.objects[j]!.points.map((pts, t) =>
      frame !== undefined && t !== frame ? null : pts ? pts.map((p) => pixelOf(v, p)) : null,
    ),
  }));
  const planes = pointCostDefinitionReference(
    [
      {
        proposals: R,
        frames: v.shape[1],
        mask: (r, t, y, x) => (softAt(v, r, t, y, x) > 0.5 ? 1 : 0),
        scores: o.scores,
        objects,
      },
    ],
    {
      weights: o.weights ?? { ann: 5, cineg: 5, maskness: 2 },
      normalize: o.normalize ?? 'none',
      presence: o.presence ?? 'any-point',
      pad: 0,
    },
  );
  const rows = (plane: number[]) => o.objects.map((_, j) => plane.slice(j * R, (j + 1) * R));
  return { cost: rows(planes.cost), ann: rows(planes.ann), cineg: rows(planes.cineg) };
}

/** Minimum-cost injective assignment of the smaller side, by exhaustive search. */
export function bruteForceAssignment(cost: readonly (readonly number[])[]): {
  columns: number[];
  total: number;
} {
  const J = cost.length;
  const R = J === 0 ? 0 : cost[0]!.length;
  const need = Math.min(J, R);
  let best = { columns: new Array<number>(J).fill(-1), total: Infinity };
  const columns = new Array<number>(J).fill(-1);
  const used = new Array<boolean>(R).fill(false);
  const visit = (j: number, assigned: number, total: number) => {
    if (J - j < need - assigned) return;
    if (j === J) {
      if (assigned === need && total < best.total) best = { columns: [...columns], total };
      return;
    }
    for (let r = 0; r < R; r++) {
      if (used[r]) continue;
      used[r] = true;
      columns[j] = r;
      visit(j + 1, assigned + 1, total + cost[j]![r]!);
      used[r] = false;
    }
    columns[j] = -1;
    visit(j + 1, assigned, total);
  };
  visit(0, 0, 0);
  if (need === 0) best = { columns: new Array<number>(J).fill(-1), total: 0 };
  return best;
}

export const bruteForceSolver = {
  kind: 'cpu' as const,
  solve: async (costs: number[][][]) => costs.map((c) => bruteForceAssignment(c).columns),
};

export function totalCost(cost: readonly (readonly number[])[], columns: readonly number[]): number {
  return columns.reduce((s, r, j) => s + (r >= 0 ? cost[j]![r]! : 0), 0);
}
