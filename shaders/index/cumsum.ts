/**
 * Inclusive prefix sums along one axis of a dense tensor seen as [outer, len, inner].
 *
 * - inner == 1 (the last axis): one workgroup per (row, block). It walks its block in tiles of
 *   WG_X * 4 elements: a coalesced load into workgroup memory, a 4-element serial scan per
 *   invocation, a Hillis-Steele scan of the invocation totals, and a carry between tiles. Rows
 *   longer than one block are split: block totals are reduced (`blockSumKernel`), scanned
 *   recursively, and each block starts from its predecessor's inclusive total (`offsets`).
 * - inner > 1 (and rows of at most 32): one invocation per column walks the axis serially; neighbouring
 *   invocations read neighbouring addresses, so the loads coalesce.
 * - CPU adapters scan every axis with the column kernel (inner == 1 included), one invocation per
 *   row and no workgroup memory, in small workgroups (`serial`; see shaders/core/serial.ts).
 *
 * `reverse` scans from the end (the adjoint of cumsum is the reversed cumsum of the gradient).
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { SERIAL_WG } from '../core/serial.js';
import { flatEntryWgsl, workgroupSumWgsl } from '../core/wgsl-snippets.js';

export type ScanDType = 'f32' | 'i32';
const WG = 256;
export const SCAN_TILE = WG * 4;

const rowCache = new Map<ScanDType, KernelSpec>();

export function rowScanKernel(dtype: ScanDType): KernelSpec {
  let spec = rowCache.get(dtype);
  if (!spec) {
    const T = dtype;
    spec = kernel({
      name: `cumsum_rows_${dtype}`,
      bindings: [
        { name: 'x', type: T, access: 'read' },
        { name: 'offsets', type: T, access: 'read' },
        { name: 'out', type: T, access: 'read_write' },
      ],
      params: [
        { name: 'rows', type: 'u32' },
        { name: 'len', type: 'u32' },
        { name: 'block_len', type: 'u32' },
        { name: 'blocks', type: 'u32' },
        { name: 'reverse', type: 'u32' },
        { name: 'has_offsets', type: 'u32' },
      ],
      workgroupSize: [WG, 1, 1],
      body: `
const TILE: u32 = WG_X * 4u;
var<workgroup> tile: array<${T}, TILE>;
var<workgroup> totals: array<${T}, WG_X>;

fn position(q: u32) -> u32 {
  return select(q, params.len - 1u - q, params.reverse != 0u);
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  if (g >= params.rows * params.blocks) { return; }
  let row = g / params.blocks;
  let block = g % params.blocks;
  let start = block * params.block_len;
  let end = min(start + params.block_len, params.len);
  let base = row * params.len;
  var carry = ${T}(0);
  if (params.has_offsets != 0u && block > 0u) { carry = offsets[row * params.blocks + block - 1u]; }
  for (var t0 = start; t0 < end; t0 += TILE) {
    for (var k = 0u; k < 4u; k++) {
      let q = t0 + k * WG_X + lid;
      tile[k * WG_X + lid] = select(${T}(0), x[base + position(min(q, end - 1u))], q < end);
    }
    workgroupBarrier();
    var v0 = tile[lid * 4u];
    var v1 = v0 + tile[lid * 4u + 1u];
    var v2 = v1 + tile[lid * 4u + 2u];
    var v3 = v2 + tile[lid * 4u + 3u];
    totals[lid] = v3;
    workgroupBarrier();
    for (var off = 1u; off < WG_X; off = off << 1u) {
      var add = ${T}(0);
      if (lid >= off) { add = totals[lid - off]; }
      workgroupBarrier();
      totals[lid] = totals[lid] + add;
      workgroupBarrier();
    }
    var before = carry;
    if (lid > 0u) { before = before + totals[lid - 1u]; }
    tile[lid * 4u] = before + v0;
    tile[lid * 4u + 1u] = before + v1;
    tile[lid * 4u + 2u] = before + v2;
    tile[lid * 4u + 3u] = before + v3;
    carry = carry + totals[WG_X - 1u];
    workgroupBarrier();
    for (var k = 0u; k < 4u; k++) {
      let q = t0 + k * WG_X + lid;
      if (q < end) { out[base + position(q)] = tile[k * WG_X + lid]; }
    }
    workgroupBarrier();
  }
}
`,
    });
    rowCache.set(dtype, spec);
  }
  return spec;
}

const blockSumCache = new Map<ScanDType, KernelSpec>();

/** sums[row, block] = total of the block (in scan order; the order does not change a sum's terms). */
export function blockSumKernel(dtype: ScanDType): KernelSpec {
  let spec = blockSumCache.get(dtype);
  if (!spec) {
    const T = dtype;
    spec = kernel({
      name: `cumsum_block_sums_${dtype}`,
      bindings: [
        { name: 'x', type: T, access: 'read' },
        { name: 'sums', type: T, access: 'read_write' },
      ],
      params: [
        { name: 'rows', type: 'u32' },
        { name: 'len', type: 'u32' },
        { name: 'block_len', type: 'u32' },
        { name: 'blocks', type: 'u32' },
        { name: 'reverse', type: 'u32' },
      ],
      workgroupSize: [WG, 1, 1],
      body: `
${workgroupSumWgsl(T)}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg);
  if (g >= params.rows * params.blocks) { return; }
  let row = g / params.blocks;
  let block = g % params.blocks;
  let start = block * params.block_len;
  let end = min(start + params.block_len, params.len);
  var acc = ${T}(0);
  for (var q = start + lid; q < end; q += WG_X) {
    acc += x[row * params.len + select(q, params.len - 1u - q, params.reverse != 0u)];
  }
  let total = workgroup_sum(acc, lid);
  if (lid == 0u) { sums[g] = total; }
}
`,
    });
    blockSumCache.set(dtype, spec);
  }
  return spec;
}

const columnCache = new Map<string, KernelSpec>();

/** One invocation per column (per row when inner == 1); `serial`: the CPU-adapter workgroup size. */
export function columnScanKernel(dtype: ScanDType, serial = false): KernelSpec {
  const key = `${dtype}|${serial}`;
  let spec = columnCache.get(key);
  if (!spec) {
    const T = dtype;
    spec = kernel({
      name: `cumsum_columns_${dtype}${serial ? '_serial' : ''}`,
      bindings: [
        { name: 'x', type: T, access: 'read' },
        { name: 'out', type: T, access: 'read_write' },
      ],
      params: [
        { name: 'columns', type: 'u32' },
        { name: 'len', type: 'u32' },
        { name: 'inner', type: 'u32' },
        { name: 'reverse', type: 'u32' },
      ],
      workgroupSize: [serial ? SERIAL_WG : 256, 1, 1],
      body: `
${flatEntryWgsl('col', 'params.columns')}
  let o = col / params.inner;
  let base = o * params.len * params.inner + col % params.inner;
  var acc = ${T}(0);
  for (var j = 0u; j < params.len; j++) {
    let at = base + select(j, params.len - 1u - j, params.reverse != 0u) * params.inner;
    acc += x[at];
    out[at] = acc;
  }
}
`,
    });
    columnCache.set(key, spec);
  }
  return spec;
}

/** Inclusive cumsum along `axis` of a dense row-major array, float64 (optionally reversed). */
export function cumsumReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  axis: number,
  reverse = false,
): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const len = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Array<number>(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let j = 0; j < len; j++) {
        const at = (o * len + (reverse ? len - 1 - j : j)) * inner + i;
        acc += x[at]!;
        out[at] = acc;
      }
    }
  }
  return out;
}
