/**
 * Top-k selection over the rows of a dense [rows, m] tensor: per row, the k elements with the
 * smallest order keys (shaders/topk/keys.ts), ties to the lower index, written in increasing
 * index order to out_val/out_idx [rows, k] (dense). 1 ≤ k ≤ m.
 *
 * Radix select: four passes over 8-bit digits of the key, most significant first, each
 * counting the keys that share the digits chosen so far and picking the digit whose bucket
 * holds the k-th smallest; after the fourth pass T (the k-th smallest key) and `need` (how many
 * keys equal to T are taken: the first ones by index) are exact. A final pass compacts the
 * keys < T and the first `need` keys = T in index order.
 *
 * Two shapes:
 *  - workgroup (GPUs): one 256-invocation workgroup per row. Histograms in workgroup memory
 *    (integer atomics: the counts do not depend on the order of the adds), digit search by a
 *    workgroup scan, and the compaction gives each invocation a contiguous chunk of the row whose
 *    output offset comes from a scan of the per-chunk counts. Rows up to `cacheKeys` keep their
 *    keys in workgroup memory (read from global once); longer rows recompute them per pass.
 *  - serial (CPU adapters, shaders/core/serial.ts): one invocation per row with a private
 *    histogram, no workgroup memory and no barriers.
 */
import type { DType } from '../../engine/dtype.js';
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { orderKeyWgsl } from './keys.js';

export const TOPK_WORKGROUP = 256;

/**
 * Serial shape: rows per workgroup. Each row is long work for one invocation, so workgroups
 * are as small as SwiftShader's SIMD width (4): the rows spread evenly over the CPU cores.
 */
export const TOPK_SERIAL_WG = 4;

export interface TopkSelectVariant {
  dtype: DType;
  shape: 'workgroup' | 'serial';
  /** workgroup shape: keys cached in workgroup memory (rows of at most this many; 0 = none). */
  cacheKeys: number;
}

const cache = new Map<string, KernelSpec>();

export function topkSelectKernel(v: TopkSelectVariant): KernelSpec {
  const key = `${v.dtype}/${v.shape}/${v.cacheKeys}`;
  let spec = cache.get(key);
  if (!spec) {
    spec = kernel({
      name: `topk_select_${v.dtype}_${v.shape}${v.cacheKeys > 0 ? `_cache${v.cacheKeys}` : ''}`,
      bindings: [
        { name: 'src', type: v.dtype, access: 'read' },
        { name: 'out_val', type: v.dtype, access: 'read_write' },
        { name: 'out_idx', type: 'i32', access: 'read_write' },
      ],
      params: [
        { name: 'rows', type: 'u32' },
        { name: 'm', type: 'u32' },
        { name: 'k', type: 'u32' },
        { name: 'largest', type: 'u32' },
      ],
      workgroupSize: v.shape === 'serial' ? [TOPK_SERIAL_WG, 1, 1] : [TOPK_WORKGROUP, 1, 1],
      body: orderKeyWgsl(v.dtype) + (v.shape === 'serial' ? serialBody() : workgroupBody(v.cacheKeys)),
    });
    cache.set(key, spec);
  }
  return spec;
}

function serialBody(): string {
  return `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (row >= params.rows) { return; }
  let m = params.m;
  let base = row * m;
  var hist: array<u32, 256>;
  var prefix = 0u;
  var mask = 0u;
  var remaining = params.k;
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    for (var b = 0u; b < 256u; b++) { hist[b] = 0u; }
    for (var i = 0u; i < m; i++) {
      let key = order_key(src[base + i]);
      if ((key & mask) == prefix) { hist[(key >> shift) & 255u] += 1u; }
    }
    var digit = 0u;
    while (digit < 255u && hist[digit] < remaining) {
      remaining -= hist[digit];
      digit++;
    }
    prefix |= digit << shift;
    mask |= 255u << shift;
  }
  let out_base = row * params.k;
  var taken = 0u;
  var ties = 0u;
  for (var i = 0u; i < m && taken < params.k; i++) {
    let v = src[base + i];
    let key = order_key(v);
    if (key < prefix || (key == prefix && ties < remaining)) {
      if (key == prefix) { ties++; }
      out_val[out_base + taken] = v;
      out_idx[out_base + taken] = i32(i);
      taken++;
    }
  }
}
`;
}

function workgroupBody(cacheKeys: number): string {
  const cached = cacheKeys > 0;
  const keyStore = cached
    ? `var<workgroup> keys: array<u32, ${cacheKeys}>;
fn key_at(base: u32, i: u32) -> u32 { return keys[i]; }`
    : `fn key_at(base: u32, i: u32) -> u32 { return order_key(src[base + i]); }`;
  const fill = cached
    ? `  for (var i = lid; i < m; i += WG_X) { keys[i] = order_key(src[base + i]); }
  workgroupBarrier();`
    : '';
  return `
${keyStore}
var<workgroup> hist: array<atomic<u32>, WG_X>;
var<workgroup> scan: array<vec2<u32>, WG_X>;
var<workgroup> pick: vec2<u32>;

// Inclusive prefix sum of v over the workgroup (Hillis-Steele); each lane gets its own.
fn scan_inclusive(v: vec2<u32>, lid: u32) -> vec2<u32> {
  scan[lid] = v;
  workgroupBarrier();
  for (var off = 1u; off < WG_X; off = off << 1u) {
    var s = scan[lid];
    if (lid >= off) { s += scan[lid - off]; }
    workgroupBarrier();
    scan[lid] = s;
    workgroupBarrier();
  }
  return scan[lid];
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg);
  if (row >= params.rows) { return; }
  let m = params.m;
  let base = row * m;
${fill}
  var prefix = 0u;
  var mask = 0u;
  var remaining = params.k;
  for (var round = 0u; round < 4u; round++) {
    let shift = 24u - 8u * round;
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    for (var i = lid; i < m; i += WG_X) {
      let key = key_at(base, i);
      if ((key & mask) == prefix) { atomicAdd(&hist[(key >> shift) & 255u], 1u); }
    }
    workgroupBarrier();
    let count = atomicLoad(&hist[lid]);
    let below = scan_inclusive(vec2<u32>(count, 0u), lid).x;
    // The one digit whose bucket holds the remaining-th smallest candidate.
    if (below >= remaining && below - count < remaining) { pick = vec2<u32>(lid, remaining - (below - count)); }
    workgroupBarrier();
    let chosen = pick;
    prefix |= chosen.x << shift;
    mask |= 255u << shift;
    remaining = chosen.y;
  }
  // Compaction in index order: chunk counts of keys < T and = T, scanned for output offsets.
  let chunk = (m + WG_X - 1u) / WG_X;
  let start = min(lid * chunk, m);
  let end = min(start + chunk, m);
  var less = 0u;
  var equal = 0u;
  for (var i = start; i < end; i++) {
    let key = key_at(base, i);
    less += select(0u, 1u, key < prefix);
    equal += select(0u, 1u, key == prefix);
  }
  let upto = scan_inclusive(vec2<u32>(less, equal), lid);
  var less_before = upto.x - less;
  var equal_before = upto.y - equal;
  let out_base = row * params.k;
  for (var i = start; i < end; i++) {
    let key = key_at(base, i);
    if (key < prefix || (key == prefix && equal_before < remaining)) {
      let at = out_base + less_before + min(equal_before, remaining);
      out_val[at] = src[base + i];
      out_idx[at] = i32(i);
    }
    if (key < prefix) { less_before++; }
    if (key == prefix) { equal_before++; }
  }
}
`;
}
