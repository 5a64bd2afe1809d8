import { engine, full, tidy } from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

/**
 * Dispatch overhead: µs per tiny dispatch when many share one submit (our batching), next to
 * the same dispatches submitted one by one (the reference a naive engine pays).
 */
export async function benchDispatch(): Promise<BenchEntry[]> {
  const eng = engine();
  const count = 500;
  const batched = await timeGpu(
    () => tidy(() => void Array.from({ length: count }, () => full([1024], 1))),
    3,
  );
  const oneByOne = await timeGpu(
    () =>
      tidy(() => {
        for (let i = 0; i < count; i++) {
          full([1024], 1);
          eng.stream.flush();
        }
      }),
    3,
  );
  return [
    {
      name: 'dispatch_overhead',
      elements: 1024,
      dispatches: count,
      usPerDispatchBatched: (batched * 1000) / count,
      usPerDispatchOneSubmitEach: (oneByOne * 1000) / count,
      speedup: oneByOne / batched,
    },
  ];
}
