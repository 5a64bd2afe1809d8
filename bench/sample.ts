/**
 * Resampling and scatter throughput: effective GB/s (bytes a kernel must read and write at
 * least once, over wall time between syncs) of bilinear interpolate, grid_sample /
 * point_sample (forward and input gradient) and scatter_add, at a few sizes. CPU adapters get
 * smaller sizes so the suite stays quick there. The scatter-adds (grid_sample's and
 * point_sample's input gradient, scatter_add) run in both scatter modes: 'deterministic' (the
 * default) and 'atomic'.
 */
import {
  SCATTER_MODES,
  type Tensor,
  backward,
  engine,
  gridSample,
  interpolate,
  keep,
  pointSample,
  rand,
  randint,
  scatterAdd,
  setScatterMode,
  tidy,
} from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

const GB = 1e9;

function entry(name: string, shape: string, bytes: number, ms: number, reps: number): BenchEntry {
  return { name, shape, ms, reps, gbPerS: bytes / GB / (ms / 1000) };
}

function input(shape: number[], seed: number, low = 0, high = 1): Tensor {
  return keep(rand(shape, { seed, low, high }));
}

/** `time()` under each scatter mode, as entries named `name` with a `scatter` field. */
async function perScatterMode(
  time: () => Promise<number>,
  make: (ms: number) => BenchEntry,
): Promise<BenchEntry[]> {
  const out: BenchEntry[] = [];
  for (const scatter of SCATTER_MODES) {
    const previous = setScatterMode(scatter);
    try {
      out.push({ ...make(await time()), scatter });
    } finally {
      setScatterMode(previous);
    }
  }
  return out;
}

export async function benchSample(): Promise<BenchEntry[]> {
  const small = engine().gpu.report.isCpu;
  const reps = small ? 3 : 20;
  const results: BenchEntry[] = [];

  // interpolate: NCHW f32, bytes = input + output.
  const interpSizes: [number[], number][] = small
    ? [[[1, 16, 32, 32], 2]]
    : [
        [[8, 256, 64, 64], 2],
        [[2, 256, 32, 32], 4],
        [[8, 256, 128, 128], 0.5],
      ];
  for (const [shape, factor] of interpSizes) {
    const x = input(shape, 1);
    const outElems = shape[0]! * shape[1]! * Math.floor(shape[2]! * factor) * Math.floor(shape[3]! * factor);
    const bytes = (x.size + outElems) * 4;
    const ms = await timeGpu(() => tidy(() => void interpolate(x, { scaleFactor: factor })), reps);
    results.push(entry(`interpolate_bilinear_x${factor}`, `[${shape}]`, bytes, ms, reps));
    x.requiresGrad = true;
    const g = input(
      [shape[0]!, shape[1]!, Math.floor(shape[2]! * factor), Math.floor(shape[3]! * factor)],
      2,
    );
    const msBack = await timeGpu(
      () =>
        tidy(() => {
          backward(interpolate(x, { scaleFactor: factor }), g);
          x.grad?.dispose();
          x.grad = null;
        }),
      reps,
    );
    // Forward plus backward: read x, write out, read g, write grad.
    results.push(entry(`interpolate_bilinear_x${factor}_fwd_bwd`, `[${shape}]`, 2 * bytes, msBack, reps));
    x.dispose();
    g.dispose();
  }

  // grid_sample: bytes = input + grid + output (the input is read at least once).
  const gridSizes: [number[], number[]][] = small
    ? [
        [
          [1, 16, 32, 32],
          [1, 32, 32, 2],
        ],
      ]
    : [
        [
          [2, 256, 64, 64],
          [2, 64, 64, 2],
        ],
        [
          [8, 64, 128, 128],
          [8, 128, 128, 2],
        ],
      ];
  for (const [shape, gridShape] of gridSizes) {
    const x = input(shape, 3);
    const grid = input(gridShape, 4, -1, 1);
    const outElems = shape[0]! * shape[1]! * gridShape[1]! * gridShape[2]!;
    const bytes = (x.size + grid.size + outElems) * 4;
    const ms = await timeGpu(() => tidy(() => void gridSample(x, grid)), reps);
    results.push(entry('grid_sample', `x [${shape}] grid [${gridShape}]`, bytes, ms, reps));
    x.requiresGrad = true;
    const g = input([shape[0]!, shape[1]!, gridShape[1]!, gridShape[2]!], 5);
    results.push(
      ...(await perScatterMode(
        () =>
          timeGpu(
            () =>
              tidy(() => {
                backward(gridSample(x, grid), g);
                x.grad?.dispose();
                x.grad = null;
              }),
            reps,
          ),
        (msBack) =>
          entry('grid_sample_fwd_bwd_input', `x [${shape}] grid [${gridShape}]`, 2 * bytes, msBack, reps),
      )),
    );
    x.dispose();
    grid.dispose();
    g.dispose();
  }

  // point_sample as Mask2Former's loss uses it: one mask logit map per query, P points each.
  // CPU: also the cpu-tiny criterion's shape (16×16 mask logits of a 64×64 input, 1024 points).
  const pointSizes: [number, number, number][] = small
    ? [
        [10, 64, 1000],
        [8, 16, 1024],
      ]
    : [
        [100, 128, 12544],
        [400, 256, 12544],
      ];
  for (const [queries, side, points] of pointSizes) {
    const masks = input([queries, 1, side, side], 6);
    const coords = input([queries, points, 2], 7);
    const bytes = (masks.size + coords.size + queries * points) * 4;
    const ms = await timeGpu(() => tidy(() => void pointSample(masks, coords)), reps);
    const shape = `masks [${queries},1,${side},${side}] points ${points}`;
    results.push(entry('point_sample', shape, bytes, ms, reps));
    masks.requiresGrad = true;
    const g = input([queries, 1, points], 8, -1, 1);
    results.push(
      ...(await perScatterMode(
        () =>
          timeGpu(
            () =>
              tidy(() => {
                backward(pointSample(masks, coords), g);
                masks.grad?.dispose();
                masks.grad = null;
              }),
            reps,
          ),
        (msBack) => ({
          ...entry('point_sample_fwd_bwd_input', shape, 2 * bytes, msBack, reps),
          backwardMsApprox: msBack - ms,
        }),
      )),
    );
    g.dispose();
    masks.dispose();
    coords.dispose();
  }

  // scatter_add with random (colliding) targets: bytes = index + src read, x read + out written.
  const scatterSizes: [number, number][] = small
    ? [[1 << 14, 1 << 16]]
    : [
        [1 << 20, 1 << 24],
        [1 << 12, 1 << 22],
      ];
  for (const [bins, n] of scatterSizes) {
    const x = input([1, bins], 8);
    const src = input([1, n], 9);
    const index = keep(randint([1, n], 0, bins, { seed: 10 }));
    const bytes = (2 * n + 2 * bins) * 4;
    results.push(
      ...(await perScatterMode(
        () => timeGpu(() => tidy(() => void scatterAdd(x, 1, index, src)), reps),
        (ms) => entry('scatter_add_f32', `${n} adds into ${bins} bins`, bytes, ms, reps),
      )),
    );
    x.dispose();
    src.dispose();
    index.dispose();
  }
  return results;
}
