/** Bit-level equality of float results, and runs of an op that must repeat them exactly. */
import { expect } from 'vitest';

/** `actual` must hold the same bits as `expected` (NaN payloads and the sign of zero included). */
export function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let differing = 0;
  for (let j = 0; j < a.length; j++) if (a[j] !== e[j]) differing++;
  expect(differing, `${what}: ${differing} of ${a.length} elements differ`).toBe(0);
}

/**
 * Calls `run` `times` times; every call must return arrays with the same bits as the first.
 * Returns the first call's arrays.
 */
export async function expectBitIdenticalRuns(
  run: () => Promise<Float32Array[]>,
  times = 5,
): Promise<Float32Array[]> {
  const first = await run();
  for (let k = 1; k < times; k++) {
    const again = await run();
    expect(again.length).toBe(first.length);
    again.forEach((a, i) => expectSameBits(a, first[i]!, `run ${k + 1}, result ${i}`));
  }
  return first;
}
