/**
 * GEMM v2 for CPU adapters — register-tiled like gemm-register.ts (no workgroup memory, no
 * barriers), with a larger block of C per invocation: 8x8 in sixteen vec4 accumulators.
 *
 * Why a separate tile size: SwiftShader runs four invocations side by side as SIMD lanes and
 * turns every load whose address differs per lane into a bounds-checked per-lane gather; the
 * arithmetic is cheap next to that. So what counts there is values loaded per multiply-add: a
 * 4x4 tile loads 8 values per k for 16 FMAs, an 8x8 tile 16 for 64 (1.3-2x faster on the
 * 64-576 sized products of the cpu-tiny model, measured). A GPU would rather keep the
 * registers for occupancy, so GPUs keep the 4x4 kernel.
 *
 * Tiles are numbered row-major over the whole of C and handed out 16 per workgroup, so the
 * invocations that have work are packed into as few SIMD groups as possible whatever the shape
 * of C (a 2-D workgroup over a 20x3 C would leave one live lane in each of three SIMD groups,
 * each running the whole k loop), and small products still spread over the CPU's cores.
 *
 * The operand contract is gemm-operand.ts's. When both operands come as vec4, k advances by 4
 * (vec4 loads along whichever dimension is contiguous, transposed in registers as needed);
 * otherwise (gathered operands, unaligned views) one k at a time with scalar loads.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { GEMM_PARAMS, GEMM_PRELUDE, type GemmEpilogue, type GemmOperand } from './gemm-operand.js';

/** Rows and columns of C per invocation. */
export const CPU_TILE = 8;
/** Invocations per workgroup (four SIMD groups of four on SwiftShader). */
export const CPU_REGISTER_WG = 16;

/** Workgroups along x and y (the grid folded past `maxDim`) for C of `m` x `n`. */
export function cpuRegisterGrid(m: number, n: number, maxDim: number): [number, number] {
  const tiles = Math.ceil(m / CPU_TILE) * Math.ceil(n / CPU_TILE);
  const groups = Math.ceil(tiles / CPU_REGISTER_WG);
  return [Math.min(groups, maxDim), Math.ceil(groups / maxDim)];
}

const C4 = ['x', 'y', 'z', 'w'] as const;
const steps = [0, 1, 2, 3] as const;

/** Rows and columns of one invocation's block of C (multiples of 4) and the WGSL names of them. */
interface Tile {
  tm: number;
  tn: number;
  /** Row indices, column indices, 4-groups of rows, 4-groups of columns. */
  rows: number[];
  cols: number[];
  rowGroups: number[];
  colGroups: number[];
}

function tileOf(tm: number, tn: number): Tile {
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i);
  return { tm, tn, rows: seq(tm), cols: seq(tn), rowGroups: seq(tm / 4), colGroups: seq(tn / 4) };
}

/** Per-line setup: `p_line` of each row/column, or of each 4-group when vec4 runs along them. */
function lineSetup(p: 'a' | 'b', op: GemmOperand, t: Tile): string[] {
  const [short, origin, extent] = p === 'a' ? ['ar', 'm0', 'params.M'] : ['bc', 'n0', 'params.N'];
  const [lines, groups] = p === 'a' ? [t.rows, t.rowGroups] : [t.cols, t.colGroups];
  if (op.vec === 'outer') return groups.map((g) => `let ${short}${g} = ${p}_line(${origin} + ${4 * g}u);`);
  return lines.map((i) => `let ${short}${i} = ${p}_line(min(${origin} + ${i}u, ${extent} - 1u));`);
}

/** k-step-of-4 loads: a<i> = row i of A over k..k+3; b<t>_<h> = columns 4h..4h+3 of B at k+t. */
function k4Loads(a: GemmOperand, b: GemmOperand, tile: Tile): string[] {
  const out: string[] = [];
  if (a.vec === 'k') {
    for (const i of tile.rows) out.push(`let a${i} = a_load4(a_bs, ar${i}, k);`);
  } else {
    for (const g of tile.rowGroups) {
      for (const t of steps) out.push(`let at${g}_${t} = a_load4(a_bs, ar${g}, k + ${t}u);`);
    }
    for (const i of tile.rows) {
      const g = Math.floor(i / 4);
      const c = C4[i % 4];
      out.push(`let a${i} = vec4<f32>(${steps.map((t) => `at${g}_${t}.${c}`).join(', ')});`);
    }
  }
  if (b.vec === 'outer') {
    for (const t of steps) {
      for (const h of tile.colGroups) out.push(`let b${t}_${h} = b_load4(b_bs, bc${h}, k + ${t}u);`);
    }
  } else {
    for (const j of tile.cols) out.push(`let bt${j} = b_load4(b_bs, bc${j}, k);`);
    for (const t of steps) {
      for (const h of tile.colGroups) {
        const cols = [0, 1, 2, 3].map((j) => `bt${4 * h + j}.${C4[t]}`);
        out.push(`let b${t}_${h} = vec4<f32>(${cols.join(', ')});`);
      }
    }
  }
  return out;
}

/** Single-k loads: a<i> (scalar, row i at k) and b<h> (columns 4h..4h+3 at k). */
function k1Loads(a: GemmOperand, b: GemmOperand, tile: Tile): string[] {
  const out: string[] = [];
  if (a.vec === 'outer') {
    for (const g of tile.rowGroups) out.push(`let at${g} = a_load4(a_bs, ar${g}, k);`);
    for (const i of tile.rows) out.push(`let a${i} = at${Math.floor(i / 4)}.${C4[i % 4]};`);
  } else {
    out.push('let ka = a_kinfo(k);');
    for (const i of tile.rows) out.push(`let a${i} = a_load(a_bs, ar${i}, ka);`);
  }
  if (b.vec === 'outer') {
    for (const h of tile.colGroups) out.push(`let b${h} = b_load4(b_bs, bc${h}, k);`);
  } else {
    out.push('let kb = b_kinfo(k);');
    for (const h of tile.colGroups) {
      const cols = [0, 1, 2, 3].map((j) => `b_load(b_bs, bc${4 * h + j}, kb)`);
      out.push(`let b${h} = vec4<f32>(${cols.join(', ')});`);
    }
  }
  return out;
}

function stores(vecC: boolean, tile: Tile): string[] {
  const out: string[] = [];
  for (const i of tile.rows) {
    out.push(`{ let m = m0 + ${i}u;`, '  if (m < params.M) {');
    for (const h of tile.colGroups) {
      const acc = `acc${i}_${h}`;
      const values = C4.map((c, j) => `epilogue(s.zb, m, n + ${j}u, ${acc}.${c})`);
      if (vecC) {
        out.push(
          `    { let n = n0 + ${4 * h}u; if (n < params.N) { c[(s.c_base + m * params.N + n) >> 2u] = vec4<f32>(${values.join(', ')}); } }`,
        );
      } else {
        out.push(`    { let n = n0 + ${4 * h}u;`);
        C4.forEach((_, j) =>
          out.push(
            `      if (n + ${j}u < params.N) { c[s.c_base + m * params.N + n + ${j}u] = ${values[j]}; }`,
          ),
        );
        out.push('    }');
      }
    }
    out.push('  }', '}');
  }
  return out;
}

export function cpuRegisterGemmKernel(
  a: GemmOperand,
  b: GemmOperand,
  epi: GemmEpilogue,
  vecC: boolean,
): KernelSpec {
  const tile = tileOf(CPU_TILE, CPU_TILE);
  const { tm, tn } = tile;
  const accs = tile.rows.flatMap((i) => tile.colGroups.map((h) => `acc${i}_${h}`));
  const useK4 = a.vec !== 'none' && b.vec !== 'none';
  const fma4 = tile.rows.flatMap((i) =>
    tile.colGroups.map(
      (h) => `acc${i}_${h} += ${steps.map((t) => `a${i}.${C4[t]} * b${t}_${h}`).join(' + ')};`,
    ),
  );
  const fma1 = tile.rows.flatMap((i) => tile.colGroups.map((h) => `acc${i}_${h} += a${i} * b${h};`));
  const mainLoop = useK4
    ? `let k4_end = s.k_begin + ((s.k_end - s.k_begin) & ~3u);
  for (; k < k4_end; k += 4u) {
    ${[...k4Loads(a, b, tile), ...fma4].join('\n    ')}
  }`
    : '';
  return kernel({
    name: `gemm_cpu${tm}x${tn}_${a.key}_${b.key}_${epi.key}_${vecC ? 'c4' : 'c1'}`,
    bindings: [
      ...a.bindings,
      ...b.bindings,
      ...epi.bindings,
      { name: 'c', type: vecC ? 'vec4<f32>' : 'f32', access: 'read_write' },
    ],
    params: [...GEMM_PARAMS, ...a.params, ...b.params, ...epi.params],
    workgroupSize: [CPU_REGISTER_WG, 1, 1],
    body: `${GEMM_PRELUDE}
${a.wgsl}
${b.wgsl}
${epi.wgsl}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Tiles of C numbered row-major over the whole matrix: the invocations with work are packed.
  let tile = (wid.y * nwg.x + wid.x) * WG_X + lid;
  let tiles_n = (params.N + ${tn - 1}u) / ${tn}u;
  let tile_m = tile / tiles_n;
  let n0 = (tile - tile_m * tiles_n) * ${tn}u;
  let m0 = tile_m * ${tm}u;
  if (m0 >= params.M) { return; }
  let s = gemm_slice(wid.z);
  let a_bs = a_base(s.zb);
  let b_bs = b_base(s.zb);
  ${lineSetup('a', a, tile).join('\n  ')}
  ${lineSetup('b', b, tile).join('\n  ')}
  ${accs.map((n) => `var ${n} = vec4<f32>(0.0);`).join('\n  ')}
  var k = s.k_begin;
  ${mainLoop}
  for (; k < s.k_end; k++) {
    ${[...k1Loads(a, b, tile), ...fma1].join('\n    ')}
  }
${stores(vecC, tile).join('\n')}
}
`,
  });
}
