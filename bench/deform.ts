/**
 * Multi-scale deformable attention core: forward and forward+backward wall time per call and
 * effective GB/s (bytes each pass must move at least once: inputs read, outputs written, over
 * the wall time between syncs), plus the forward's corner-gather rate (4 corners × D floats per
 * sample; on a GPU these mostly hit cache). A pixel-decoder-like shape scaled down for CPU
 * adapters (N=1, levels 16×16/8×8/4×4, M=8, D=32, P=4, Lq=S); GPUs also run the real pixel
 * decoder's shape at 480×640 input (levels 15×20/30×40/60×80 for res5/res4/res3, batch 2).
 * Each shape runs in both work layouts ('auto' picks cooperative on GPUs, serial on CPUs) and
 * both scatter modes of grad_value ('deterministic', the default, and 'atomic'); CPU adapters
 * also run the cpu-tiny model's pixel decoder shape (64×64 input, batch 2).
 */
import {
  type LevelShapes,
  type ScatterMode,
  type Tensor,
  backward,
  engine,
  keep,
  msDeformAttn,
  rand,
  setScatterMode,
  tidy,
} from '../engine/index.js';
import { type BenchEntry, timeGpu } from './timing.js';

const GB = 1e9;

interface DeformShape {
  label: string;
  batch: number;
  shapes: LevelShapes;
  heads: number;
  channels: number;
  points: number;
}

function input(shape: number[], seed: number, low = 0, high = 1): Tensor {
  return keep(rand(shape, { seed, low, high }));
}

async function benchShape(
  sh: DeformShape,
  layout: 'cooperative' | 'serial',
  scatter: ScatterMode,
  reps: number,
): Promise<BenchEntry[]> {
  const previous = setScatterMode(scatter);
  try {
    return await timeShape(sh, layout, scatter, reps);
  } finally {
    setScatterMode(previous);
  }
}

async function timeShape(
  sh: DeformShape,
  layout: 'cooperative' | 'serial',
  scatter: ScatterMode,
  reps: number,
): Promise<BenchEntry[]> {
  const { batch: n, shapes, heads: m, channels: d, points: p } = sh;
  const levels = shapes.length;
  const tokens = shapes.reduce((acc, [h, w]) => acc + h * w, 0);
  const queries = tokens;
  const value = input([n, tokens, m, d], 1, -1, 1);
  const loc = input([n, queries, m, levels, p, 2], 2, -0.1, 1.1);
  const attn = input([n, queries, m, levels, p], 3);
  const grad = input([n, queries, m * d], 4, -1, 1);
  const floats = {
    value: value.size,
    loc: loc.size,
    attn: attn.size,
    out: n * queries * m * d,
  };
  const fwdBytes = 4 * (floats.value + floats.loc + floats.attn + floats.out);
  // Backward reads grad, value, loc, attn and writes grad_value, grad_loc, grad_attn.
  const bwdBytes = 4 * (floats.out + 2 * floats.value + 2 * floats.loc + 2 * floats.attn);
  const gatherBytes = 4 * n * queries * m * levels * p * 4 * d;
  const shapeText = `N=${n} levels ${shapes.map(([h, w]) => `${h}x${w}`).join('/')} M=${m} D=${d} P=${p} Lq=${queries}`;

  const fwdMs = await timeGpu(
    () => tidy(() => void msDeformAttn(value, shapes, loc, attn, { layout })),
    reps,
  );
  for (const t of [value, loc, attn]) t.requiresGrad = true;
  const bothMs = await timeGpu(
    () =>
      tidy(() => {
        backward(msDeformAttn(value, shapes, loc, attn, { layout }), grad);
        for (const t of [value, loc, attn]) {
          t.grad?.dispose();
          t.grad = null;
        }
      }),
    reps,
  );
  for (const t of [value, loc, attn, grad]) t.dispose();
  const common = { shape: `${sh.label}: ${shapeText}`, layout, scatter, reps };
  return [
    {
      name: 'ms_deform_attn_fwd',
      ...common,
      ms: fwdMs,
      gbPerS: fwdBytes / GB / (fwdMs / 1000),
      gatherGbPerS: gatherBytes / GB / (fwdMs / 1000),
    },
    {
      name: 'ms_deform_attn_fwd_bwd',
      ...common,
      ms: bothMs,
      backwardMsApprox: bothMs - fwdMs,
      gbPerS: (fwdBytes + bwdBytes) / GB / (bothMs / 1000),
    },
  ];
}

export async function benchDeform(): Promise<BenchEntry[]> {
  const isCpu = engine().gpu.report.isCpu;
  const shapes: DeformShape[] = [
    {
      label: 'pixel-decoder-like, scaled down',
      batch: 1,
      shapes: [
        [16, 16],
        [8, 8],
        [4, 4],
      ],
      heads: 8,
      channels: 32,
      points: 4,
    },
  ];
  if (isCpu) {
    shapes.push({
      label: 'cpu-tiny pixel decoder (64x64 input, batch 2)',
      batch: 2,
      shapes: [
        [2, 2],
        [4, 4],
        [8, 8],
      ],
      heads: 4,
      channels: 16,
      points: 4,
    });
  } else {
    shapes.push({
      label: 'pixel decoder at 480x640, batch 2',
      batch: 2,
      shapes: [
        [15, 20],
        [30, 40],
        [60, 80],
      ],
      heads: 8,
      channels: 32,
      points: 4,
    });
  }
  const reps = isCpu ? 3 : 20;
  const layouts = isCpu ? (['serial', 'cooperative'] as const) : (['cooperative', 'serial'] as const);
  const results: BenchEntry[] = [];
  for (const sh of shapes) {
    for (const layout of layouts) {
      for (const scatter of ['deterministic', 'atomic'] as const) {
        results.push(...(await benchShape(sh, layout, scatter, reps)));
      }
    }
  }
  return results;
}
