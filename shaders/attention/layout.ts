/**
 * Shared pieces of the fused attention kernels: the tile plan (how many query rows a workgroup
 * owns, how many threads share a row, how many keys a shared-memory tile holds), the uniform
 * fields that describe strided operands, and WGSL snippets for reading them.
 *
 * Thread layout (forward and dQ): a workgroup owns ROWS query rows; LANES consecutive threads
 * share a row. For the scores, lane t takes the keys t, t+LANES, ... of a tile (consecutive lanes
 * read consecutive keys, so bias/mask reads coalesce); for the P·V / dS·K products, lane t takes
 * the vec4 columns t, t+LANES, ... of the accumulator, so no lane ever holds a full output row
 * and the lanes never have to merge accumulators. The dK/dV kernel mirrors this with keys as
 * rows and queries as the tiled dimension.
 */
import type { ParamField, StorageBinding } from '../../engine/kernel.js';

/** Mask kinds: none, boolean (u32/i32, nonzero = blocked), additive f32 (-inf = blocked). */
export type MaskKind = 'none' | 'bool' | 'add';

export interface AttentionTilePlan {
  /** Head dims of q/k and of v, and their vec4 counts (padded with zeros past d / dv). */
  d: number;
  dv: number;
  d4: number;
  dv4: number;
  /** Threads per row. */
  lanes: number;
  /** Rows (queries, or keys for dK/dV) per workgroup. */
  rows: number;
  /** Tiled dimension per step (keys, or queries for dK/dV); a multiple of `lanes` and of 4. */
  cols: number;
}

/** vec4 padding of shared-memory rows, so that lanes reading different rows hit different banks. */
export const ROW_PAD4 = 1;
/** f32 padding of the P / dS tiles' rows (8: four rows x eight lanes cover all 32 banks). */
export const TILE_PAD = 8;

export type AttentionKernelKind = 'forward' | 'dq' | 'dkv';

/** Workgroup-memory bytes each kernel needs for a plan. */
export function sharedBytes(kind: AttentionKernelKind, p: AttentionTilePlan): number {
  const vec4Rows = (n: number, w4: number) => n * (w4 + ROW_PAD4) * 16;
  const pTile = p.rows * (p.cols + TILE_PAD) * 4;
  if (kind === 'forward')
    return vec4Rows(p.cols, p.d4) + vec4Rows(p.cols, p.dv4) + pTile + p.rows * p.lanes * 16;
  if (kind === 'dq') return vec4Rows(p.cols, p.d4) + vec4Rows(p.cols, p.dv4) + pTile;
  const addTile = p.cols * (p.rows + 4) * 4;
  return vec4Rows(p.cols, p.d4) + vec4Rows(p.cols, p.dv4) + p.cols * 16 + 2 * pTile + 2 * addTile;
}

/**
 * The tile plan for head dims (d, dv) under the device's workgroup limits: 8 lanes per row when
 * a head spans 8 or more vec4s (each lane then owns at least one vec4 of the accumulator), else
 * 4; the largest key tile that fits the workgroup memory. Null when even the
 * smallest tile does not fit (very large heads): the caller then reports it.
 */
export function planTiles(
  kind: AttentionKernelKind,
  d: number,
  dv: number,
  limits: { maxThreads: number; maxSharedBytes: number; isCpu: boolean },
): AttentionTilePlan | null {
  const d4 = Math.max(1, Math.ceil(d / 4));
  const dv4 = Math.max(1, Math.ceil(dv / 4));
  const lanes = Math.max(d4, dv4) >= 8 ? 8 : 4;
  // CPU adapters: small workgroups and tiles. Their shader compile time grows with workgroup
  // size times tile width (seconds per kernel at 256 threads x 64 keys on SwiftShader), and
  // they gain nothing from the wide tiles a GPU needs.
  let rows = limits.isCpu ? 8 : 32;
  while (rows * lanes > limits.maxThreads && rows > 1) rows /= 2;
  for (const cols of limits.isCpu ? [16, 8] : [64, 32, 16, 8]) {
    const plan = { d, dv, d4, dv4, lanes, rows, cols };
    if (sharedBytes(kind, plan) <= limits.maxSharedBytes) return plan;
  }
  return null;
}

/** Uniform fields of a [B, H, L, X] operand: element (b,h,l,x) at off + b·sb + h·sh + l·sl + x·sx. */
export function operandParams(prefix: string): ParamField[] {
  return ['off', 'sb', 'sh', 'sl', 'sx'].map((f) => ({ name: `${prefix}_${f}`, type: 'u32' as const }));
}

/**
 * Uniform fields of an additive term over [B, H, Lq, Lk] (bias or mask): element (b,h,i,j) at
 * off + (b mod n)·sb + h·sh + i·sq + j·sk. The modulo serves Swin's per-window terms
 * ([nW, ...] with B = images·nW) and plain broadcasting alike (n = 1 or B).
 */
export function termParams(prefix: string): ParamField[] {
  return ['off', 'n', 'sb', 'sh', 'sq', 'sk'].map((f) => ({ name: `${prefix}_${f}`, type: 'u32' as const }));
}

export interface OperandLayout {
  off: number;
  sb: number;
  sh: number;
  sl: number;
  sx: number;
}

export interface TermLayout {
  off: number;
  n: number;
  sb: number;
  sh: number;
  sq: number;
  sk: number;
}

export function operandValues(prefix: string, o: OperandLayout): Record<string, number> {
  return {
    [`${prefix}_off`]: o.off,
    [`${prefix}_sb`]: o.sb,
    [`${prefix}_sh`]: o.sh,
    [`${prefix}_sl`]: o.sl,
    [`${prefix}_sx`]: o.sx,
  };
}

export function termValues(prefix: string, t: TermLayout): Record<string, number> {
  return {
    [`${prefix}_off`]: t.off,
    [`${prefix}_n`]: t.n,
    [`${prefix}_sb`]: t.sb,
    [`${prefix}_sh`]: t.sh,
    [`${prefix}_sq`]: t.sq,
    [`${prefix}_sk`]: t.sk,
  };
}

/** WGSL: the element index of row (b, h, l) of an operand (add x·sx for column x). */
export function operandRowFn(prefix: string): string {
  return `fn ${prefix}_row(b: u32, h: u32, l: u32) -> u32 {
  return params.${prefix}_off + b * params.${prefix}_sb + h * params.${prefix}_sh + l * params.${prefix}_sl;
}`;
}

/** WGSL: the element index of row (b, h, i) of an additive term (add j·sk for key j). */
export function termRowFn(prefix: string): string {
  return `fn ${prefix}_row(b: u32, h: u32, i: u32) -> u32 {
  return params.${prefix}_off + (b % params.${prefix}_n) * params.${prefix}_sb + h * params.${prefix}_sh + i * params.${prefix}_sq;
}`;
}

/**
 * WGSL: `fn <name>(base: u32, c: u32) -> vec4<f32>` reading elements 4c..4c+3 of a row of
 * binding `buf` (column stride `params.<prefix>_sx`), zero past `width`.
 */
export function loadVec4Fn(name: string, buf: string, prefix: string, width: number): string {
  const at = (e: number) => `${buf}[base + (c * 4u + ${e}u) * params.${prefix}_sx]`;
  // Reads past `width` would leave the row (possibly the buffer), so they are guarded.
  const body =
    width % 4 === 0 && width > 0
      ? `  return vec4<f32>(${[0, 1, 2, 3].map(at).join(', ')});`
      : [
          '  var lv = vec4<f32>(0.0);',
          ...[0, 1, 2, 3].map((e) => `  if (c * 4u + ${e}u < ${width}u) { lv[${e}] = ${at(e)}; }`),
          '  return lv;',
        ].join('\n');
  return `fn ${name}(base: u32, c: u32) -> vec4<f32> {\n${body}\n}`;
}

/**
 * WGSL: a mask entry as an additive value. The mask binding is u32: boolean masks (kind 1)
 * block where nonzero (-inf), additive f32 masks (kind 2) are read through a bitcast.
 */
export const MASK_VALUE_FN = `fn mask_value(idx: u32) -> f32 {
  let raw = mask[idx];
  if (params.mask_kind == 1u) { return select(0.0, -bitcast<f32>(inf_bits), raw != 0u); }
  return bitcast<f32>(raw);
}`;

/** Mask kind uniform values. */
export const MASK_KIND_CODE: { readonly [K in MaskKind]: number } = { none: 0, bool: 1, add: 2 };

/** Uniform switches shared by the kernels: a bias is bound, and the mask's kind (0 = none). */
export function flagParams(): ParamField[] {
  return [
    { name: 'has_bias', type: 'u32' },
    { name: 'mask_kind', type: 'u32' },
  ];
}

/** Bindings of the given f32 operands followed by the bias (f32) and the mask (u32). */
export function termInputBindings(names: readonly string[]): StorageBinding[] {
  return [
    ...names.map((name) => ({ name, type: 'f32', access: 'read' as const })),
    { name: 'bias', type: 'f32', access: 'read' },
    { name: 'mask', type: 'u32', access: 'read' },
  ];
}

/** WGSL constants every attention kernel declares from its plan. */
export function planConstants(p: AttentionTilePlan): string {
  return `
const D: u32 = ${p.d}u;
const DV: u32 = ${p.dv}u;
const D4: u32 = ${p.d4}u;
const DV4: u32 = ${p.dv4}u;
const LANES: u32 = ${p.lanes}u;
const ROWS: u32 = ${p.rows}u;
const COLS: u32 = ${p.cols}u;
const KS: u32 = ${p.d4 + ROW_PAD4}u;
const VS: u32 = ${p.dv4 + ROW_PAD4}u;
const PS4: u32 = ${(p.cols + TILE_PAD) / 4}u;
const PER_LANE: u32 = ${p.cols / p.lanes}u;
const AQ4: u32 = ${Math.ceil(p.d4 / p.lanes)}u;
const AV4: u32 = ${Math.ceil(p.dv4 / p.lanes)}u;
var<private> inf_bits: u32 = 0x7f800000u;
`;
}

export function planKey(p: AttentionTilePlan): string {
  return `d${p.d}v${p.dv}l${p.lanes}r${p.rows}c${p.cols}`;
}

/**
 * The K/V tile in workgroup memory shared by the tiled forward and dQ kernels, and the function
 * that fills it: keys k0..k0+COLS (zero past k_end), rows padded by ROW_PAD4 against bank
 * conflicts. Callers put the barriers around `stage_kv_tile`.
 */
export function kvTileStaging(p: AttentionTilePlan): string {
  return `var<workgroup> ks: array<vec4<f32>, ${p.cols * (p.d4 + ROW_PAD4)}>;
var<workgroup> vs: array<vec4<f32>, ${p.cols * (p.dv4 + ROW_PAD4)}>;
fn stage_kv_tile(b: u32, h: u32, k0: u32, k_end: u32, lid: u32) {
  for (var s = lid; s < COLS * D4; s += WG_X) {
    let j = k0 + s / D4;
    var x = vec4<f32>(0.0);
    if (j < k_end) { x = load_k(k_row(b, h, j), s % D4); }
    ks[(s / D4) * KS + s % D4] = x;
  }
  for (var s = lid; s < COLS * DV4; s += WG_X) {
    let j = k0 + s / DV4;
    var x = vec4<f32>(0.0);
    if (j < k_end) { x = load_v(v_row(b, h, j), s % DV4); }
    vs[(s / DV4) * VS + s % DV4] = x;
  }
}`;
}
