/**
 * GEMM v3 — workgroup-memory tiled, for discrete GPUs. A workgroup of 256 invocations computes
 * a BM x BN block of C; each invocation a TM x TN sub-block held in registers as TM x (TN/4)
 * vec4 accumulators. Per step of BK along k, the A (BM x BK) and B (BK x BN) tiles are staged in
 * workgroup memory, both stored k-major so the inner loop reads A and B fragments as vec4:
 *
 * - coalesced global loads: each operand tile is read as 16-byte vectors along its contiguous
 *   dimension (consecutive invocations read consecutive addresses), then transposed on the way
 *   into workgroup memory when that dimension is k;
 * - bank-conflict-free workgroup memory: rows padded by 4 floats, so the transposing scalar
 *   stores of a warp land in 32 distinct banks, and the inner loop's fragment reads are either
 *   broadcasts (A) or 16 consecutive vec4s (B);
 * - each invocation's rows/columns are split into 4-wide strips BM/(TM/4) apart (the classic
 *   "vectorised" SGEMM layout), so a warp's B reads cover a contiguous span;
 * - double buffering with register prefetch: tile t+1 is fetched from global memory into
 *   registers while tile t is multiplied out of workgroup memory, then stored into the other
 *   buffer; one barrier per k step;
 * - the inner BK x TM x TN product is unrolled into TM*TN/4 independent vec4 FMA chains (ILP).
 *
 * Edges (M, N, K not multiples of the tile) are handled by zeroing loads past K and dropping
 * stores past M and N; rows and columns past the edge are read clamped or left to WebGPU's
 * bounds clamping, and only feed outputs that are never stored.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { GEMM_PARAMS, GEMM_PRELUDE, type GemmEpilogue, type GemmOperand } from './gemm-operand.js';

export interface TiledConfig {
  readonly bm: number;
  readonly bn: number;
  readonly bk: number;
  readonly tm: number;
  readonly tn: number;
}

/** 128x128 blocks, 8x8 per invocation: the large-matrix configuration. */
export const TILED_128: TiledConfig = { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 };
/** 64x64 blocks, 4x4 per invocation: 4x as many workgroups for mid-sized problems. */
export const TILED_64: TiledConfig = { bm: 64, bn: 64, bk: 8, tm: 4, tn: 4 };

const PAD = 4;
const C4 = ['x', 'y', 'z', 'w'] as const;

export function tiledThreads(cfg: TiledConfig): number {
  return (cfg.bm / cfg.tm) * (cfg.bn / cfg.tn);
}

interface TileCode {
  /** Declarations before the k loop (per-slot lines). */
  setup: string[];
  /** Global loads of the tile at k0 into registers r<p><slot>. */
  load: string[];
  /** Stores of the registers into workgroup buffer `buf`. */
  store: string[];
}

/**
 * Code moving one operand's tile (outer extent `ext` = BM or BN, k extent BK) from global memory
 * into the k-major workgroup array `sm` of row width `ext + PAD`.
 */
function tileCode(p: 'a' | 'b', op: GemmOperand, ext: number, bk: number, threads: number): TileCode {
  const sm = p === 'a' ? 'As' : 'Bs';
  const width = ext + PAD;
  const outerBase = p === 'a' ? 'm_t' : 'n_t';
  const outerSize = p === 'a' ? 'params.M' : 'params.N';
  const setup: string[] = [];
  const load: string[] = [];
  const store: string[] = [];
  const count = op.vec === 'none' ? ext * bk : (ext * bk) / 4;
  const slots = Math.ceil(count / threads);
  for (let s = 0; s < slots; s++) {
    const idx = `${p}i${s}`;
    const reg = `r${p}${s}`;
    const line = `l${p}${s}`;
    setup.push(`let ${idx} = lid + ${s * threads}u;`);
    const guard = count % threads === 0 || s < slots - 1 ? '' : `if (${idx} < ${count}u) `;
    if (op.vec === 'outer') {
      // Vectors along the outer dimension: idx -> (k row, 4-wide outer chunk); no transpose.
      const chunks = ext / 4;
      setup.push(`let ${p}k${s} = ${idx} / ${chunks}u;`, `let ${p}o${s} = (${idx} % ${chunks}u) * 4u;`);
      setup.push(`let ${line} = ${p}_line(${outerBase} + ${p}o${s});`, `var ${reg} = vec4<f32>(0.0);`);
      load.push(
        `${guard}{ let k = k0 + ${p}k${s}; ${reg} = select(vec4<f32>(0.0), ${p}_load4(${p}_bs, ${line}, k), k < s.k_end); }`,
      );
      store.push(
        `${guard}{ ${sm}[(buf * ${bk * width}u + ${p}k${s} * ${width}u + ${p}o${s}) >> 2u] = ${reg}; }`,
      );
    } else if (op.vec === 'k') {
      // Vectors along k: idx -> (outer row, 4-wide k chunk); transposed into k-major rows.
      const chunks = bk / 4;
      setup.push(`let ${p}o${s} = ${idx} / ${chunks}u;`, `let ${p}k${s} = (${idx} % ${chunks}u) * 4u;`);
      setup.push(
        `let ${line} = ${p}_line(min(${outerBase} + ${p}o${s}, ${outerSize} - 1u));`,
        `var ${reg} = vec4<f32>(0.0);`,
      );
      load.push(
        `${guard}{ let k = k0 + ${p}k${s}; ${reg} = select(vec4<f32>(0.0), ${p}_load4(${p}_bs, ${line}, k), ` +
          `vec4<u32>(k) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(s.k_end)); }`,
      );
      const stores = C4.map(
        (c, i) => `let f${i} = f + ${i * width}u; ${sm}[f${i} >> 2u][f${i} & 3u] = ${reg}.${c};`,
      ).join(' ');
      store.push(`${guard}{ let f = buf * ${bk * width}u + ${p}k${s} * ${width}u + ${p}o${s}; ${stores} }`);
    } else {
      // Scalars, outer-fastest for B (n usually contiguous) and k-fastest for A.
      if (p === 'b') setup.push(`let ${p}o${s} = ${idx} % ${ext}u;`, `let ${p}k${s} = ${idx} / ${ext}u;`);
      else setup.push(`let ${p}o${s} = ${idx} / ${bk}u;`, `let ${p}k${s} = ${idx} % ${bk}u;`);
      setup.push(
        `let ${line} = ${p}_line(min(${outerBase} + ${p}o${s}, ${outerSize} - 1u));`,
        `var ${reg} = 0.0;`,
      );
      load.push(
        `${guard}{ let k = k0 + ${p}k${s}; ${reg} = select(0.0, ${p}_load(${p}_bs, ${line}, ${p}_kinfo(k)), k < s.k_end); }`,
      );
      store.push(
        `${guard}{ let f = buf * ${bk * width}u + ${p}k${s} * ${width}u + ${p}o${s}; ${sm}[f >> 2u][f & 3u] = ${reg}; }`,
      );
    }
  }
  return { setup, load, store };
}

export function tiledGemmKernel(
  a: GemmOperand,
  b: GemmOperand,
  epi: GemmEpilogue,
  vecC: boolean,
  cfg: TiledConfig,
): KernelSpec {
  const { bm, bn, bk, tm, tn } = cfg;
  const threads = tiledThreads(cfg);
  const tx = bn / tn; // invocations along n
  const rowStrips = tm / 4;
  const colStrips = tn / 4;
  const rowStride = bm / rowStrips; // distance between an invocation's row strips
  const colStride = bn / colStrips;
  const aw = bm + PAD;
  const bw = bn + PAD;
  const ta = tileCode('a', a, bm, bk, threads);
  const tb = tileCode('b', b, bn, bk, threads);

  const accNames: string[][] = [];
  for (let r = 0; r < tm; r++) {
    accNames.push([]);
    for (let c = 0; c < colStrips; c++) accNames[r]!.push(`acc_${r}_${c}`);
  }
  const decl = accNames.flat().map((n) => `var ${n} = vec4<f32>(0.0);`);

  // One k step of the block product, for literal `kk` (the BK steps are unrolled).
  const step = (kk: string, tag: string): string[] => {
    const lines: string[] = [];
    for (let r = 0; r < rowStrips; r++) {
      lines.push(`let av${tag}_${r} = As[a_rd + ${kk} * ${aw / 4}u + ${(r * rowStride) / 4}u];`);
    }
    for (let c = 0; c < colStrips; c++) {
      lines.push(`let bv${tag}_${c} = Bs[b_rd + ${kk} * ${bw / 4}u + ${(c * colStride) / 4}u];`);
    }
    for (let r = 0; r < rowStrips; r++) {
      for (let i = 0; i < 4; i++) {
        for (let c = 0; c < colStrips; c++) {
          lines.push(`${accNames[r * 4 + i]![c]} += av${tag}_${r}.${C4[i]} * bv${tag}_${c};`);
        }
      }
    }
    return lines;
  };
  const inner = Array.from({ length: bk }, (_, kk) => step(`${kk}u`, `${kk}`)).flat();

  const stores: string[] = [];
  for (let r = 0; r < rowStrips; r++) {
    for (let i = 0; i < 4; i++) {
      const m = `m_t + ty * 4u + ${r * rowStride + i}u`;
      stores.push(`{ let m = ${m};`, `  if (m < params.M) {`);
      for (let c = 0; c < colStrips; c++) {
        const acc = accNames[r * 4 + i]![c]!;
        const n = `n_t + tx * 4u + ${c * colStride}u`;
        const values = C4.map((comp, j) => `epilogue(s.zb, m, n + ${j}u, ${acc}.${comp})`);
        if (vecC) {
          stores.push(
            `    { let n = ${n}; if (n < params.N) { c[(s.c_base + m * params.N + n) >> 2u] = vec4<f32>(${values.join(', ')}); } }`,
          );
        } else {
          stores.push(`    { let n = ${n};`);
          C4.forEach((_, j) =>
            stores.push(
              `      if (n + ${j}u < params.N) { c[s.c_base + m * params.N + n + ${j}u] = ${values[j]}; }`,
            ),
          );
          stores.push('    }');
        }
      }
      stores.push('  }', '}');
    }
  }

  return kernel({
    name: `gemm_tiled${bm}x${bn}_${a.key}_${b.key}_${epi.key}_${vecC ? 'c4' : 'c1'}`,
    bindings: [
      ...a.bindings,
      ...b.bindings,
      ...epi.bindings,
      { name: 'c', type: vecC ? 'vec4<f32>' : 'f32', access: 'read_write' },
    ],
    params: [...GEMM_PARAMS, ...a.params, ...b.params, ...epi.params],
    workgroupSize: [threads, 1, 1],
    body: `${GEMM_PRELUDE}
${a.wgsl}
${b.wgsl}
${epi.wgsl}
var<workgroup> As: array<vec4<f32>, ${(2 * bk * aw) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(2 * bk * bw) / 4}>;

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = gemm_slice(wid.z);
  let a_bs = a_base(s.zb);
  let b_bs = b_base(s.zb);
  let m_t = params.m_base + wid.y * ${bm}u;
  let n_t = wid.x * ${bn}u;
  let tx = lid % ${tx}u;
  let ty = lid / ${tx}u;
  ${ta.setup.join('\n  ')}
  ${tb.setup.join('\n  ')}
  ${decl.join('\n  ')}
  let ntiles = (s.k_end - s.k_begin + ${bk - 1}u) / ${bk}u;
  var buf = 0u;
  var k0 = s.k_begin;
  ${ta.load.join('\n  ')}
  ${tb.load.join('\n  ')}
  ${ta.store.join('\n  ')}
  ${tb.store.join('\n  ')}
  workgroupBarrier();
  for (var t = 0u; t < ntiles; t++) {
    let has_next = t + 1u < ntiles;
    k0 = s.k_begin + (t + 1u) * ${bk}u;
    if (has_next) {
      ${ta.load.join('\n      ')}
      ${tb.load.join('\n      ')}
    }
    let a_rd = buf * ${(bk * aw) / 4}u + ty;
    let b_rd = buf * ${(bk * bw) / 4}u + tx;
    ${inner.join('\n    ')}
    buf = buf ^ 1u;
    if (has_next) {
      ${ta.store.join('\n      ')}
      ${tb.store.join('\n      ')}
    }
    workgroupBarrier();
  }
${stores.join('\n')}
}
`,
  });
}
