/**
 * Shared test harness: the same test files run in Node (Dawn) and in Chromium; the platform
 * hook '#platform-gpu' resolves to runners/node/gpu.ts or runners/browser/gpu.ts.
 */
import { acquirePlatformDevice, platformName } from '#platform-gpu';
import { type Engine, hasEngine, engine, initEngine } from '../../engine/index.js';

export { platformName };

let ready: Promise<Engine> | null = null;

/** One engine per test worker, created on first use. */
export function useEngine(): Promise<Engine> {
  if (!ready) {
    ready = hasEngine() ? Promise.resolve(engine()) : acquirePlatformDevice().then((gpu) => initEngine(gpu));
  }
  return ready;
}

/** Max |a-b| <= atol + rtol*|b| elementwise; returns a message describing the worst element. */
export function closeTo(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: { atol?: number; rtol?: number } = {},
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  return worst < 0
    ? null
    : `element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (of ${actual.length})`;
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol?: { atol?: number; rtol?: number },
): void {
  const problem = closeTo(actual, expected, tol);
  if (problem) throw new Error(`arrays differ: ${problem}`);
}

/** Seeded PRNG (mulberry32) for reproducible test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, random: () => number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * random());
}
