/**
 * Sorts the k selected elements of each row (out_idx [rows, k], written by the select kernel)
 * by (order key, index), i.e. best first and ties by index, and rewrites out_val from src at
 * the sorted indices. The pairs are unique, so the order is total and any sort gives the same
 * result.
 *
 * Two shapes:
 *  - workgroup (GPUs): one 256-invocation workgroup per row, a bitonic network in its "flip then
 *    half-cleaners" form, where every compare-exchange puts the smaller pair at the lower index;
 *    for k that is not a power of two the missing elements are virtual +∞ and their
 *    comparisons are skipped. Up to SORT_SHARED pairs sort in workgroup memory; longer rows
 *    sort out_idx in place in global memory (keys re-read from src) with storage barriers.
 *  - serial (CPU adapters): one invocation per row, an in-place heap sort of out_idx.
 */
import type { DType } from '../../engine/dtype.js';
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { orderKeyWgsl } from './keys.js';
import { TOPK_SERIAL_WG, TOPK_WORKGROUP } from './select.js';

/** Rows of at most this many selected elements sort in workgroup memory (8 KiB). */
export const SORT_SHARED = 1024;

export interface TopkSortVariant {
  dtype: DType;
  shape: 'shared' | 'global' | 'serial';
}

const cache = new Map<string, KernelSpec>();

export function topkSortKernel(v: TopkSortVariant): KernelSpec {
  const key = `${v.dtype}/${v.shape}`;
  let spec = cache.get(key);
  if (!spec) {
    spec = kernel({
      name: `topk_sort_${v.dtype}_${v.shape}`,
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
        /** The smallest power of two ≥ k. */
        { name: 'k_pow2', type: 'u32' },
      ],
      workgroupSize: v.shape === 'serial' ? [TOPK_SERIAL_WG, 1, 1] : [TOPK_WORKGROUP, 1, 1],
      body: orderKeyWgsl(v.dtype) + (v.shape === 'serial' ? serialBody() : bitonicBody(v.shape)),
    });
    cache.set(key, spec);
  }
  return spec;
}

function bitonicBody(shape: 'shared' | 'global'): string {
  const shared = shape === 'shared';
  const store = shared
    ? `var<workgroup> sort_key: array<u32, ${SORT_SHARED}>;
var<workgroup> sort_idx: array<u32, ${SORT_SHARED}>;
fn compare_exchange(src_base: u32, out_base: u32, i: u32, j: u32) {
  let ki = sort_key[i];
  let kj = sort_key[j];
  let ii = sort_idx[i];
  let ij = sort_idx[j];
  if (ki > kj || (ki == kj && ii > ij)) {
    sort_key[i] = kj;
    sort_key[j] = ki;
    sort_idx[i] = ij;
    sort_idx[j] = ii;
  }
}
fn sync() { workgroupBarrier(); }`
    : `fn compare_exchange(src_base: u32, out_base: u32, i: u32, j: u32) {
  let ii = out_idx[out_base + i];
  let ij = out_idx[out_base + j];
  let ki = order_key(src[src_base + u32(ii)]);
  let kj = order_key(src[src_base + u32(ij)]);
  if (ki > kj || (ki == kj && ii > ij)) {
    out_idx[out_base + i] = ij;
    out_idx[out_base + j] = ii;
  }
}
fn sync() { storageBarrier(); }`;
  const load = shared
    ? `  for (var i = lid; i < n; i += WG_X) {
    let idx = u32(out_idx[out_base + i]);
    sort_idx[i] = idx;
    sort_key[i] = order_key(src[src_base + idx]);
  }
  workgroupBarrier();`
    : '';
  const finalIdx = shared ? 'sort_idx[i]' : 'u32(out_idx[out_base + i])';
  return `
${store}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg);
  if (row >= params.rows) { return; }
  let n = params.k;
  let pairs = params.k_pow2 / 2u;
  let src_base = row * params.m;
  let out_base = row * n;
${load}
  for (var block = 2u; block <= params.k_pow2; block = block << 1u) {
    // Flip: the mirror images of each block's halves.
    let half = block >> 1u;
    for (var t = lid; t < pairs; t += WG_X) {
      let r = t % half;
      let i = (t / half) * block + r;
      let j = i + block - 1u - 2u * r;
      if (j < n) { compare_exchange(src_base, out_base, i, j); }
    }
    sync();
    // Half-cleaners at distance half/2, half/4, ..., 1.
    for (var d = half >> 1u; d > 0u; d = d >> 1u) {
      for (var t = lid; t < pairs; t += WG_X) {
        let i = (t / d) * 2u * d + t % d;
        let j = i + d;
        if (j < n) { compare_exchange(src_base, out_base, i, j); }
      }
      sync();
    }
  }
  for (var i = lid; i < n; i += WG_X) {
    let idx = ${finalIdx};
    out_idx[out_base + i] = i32(idx);
    out_val[out_base + i] = src[src_base + idx];
  }
}
`;
}

function serialBody(): string {
  return `
fn pair_after(src_base: u32, a: i32, b: i32) -> bool {
  let ka = order_key(src[src_base + u32(a)]);
  let kb = order_key(src[src_base + u32(b)]);
  return ka > kb || (ka == kb && a > b);
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (row >= params.rows) { return; }
  let n = params.k;
  let src_base = row * params.m;
  let ob = row * n;
  // Heap sort (max-heap on (key, index)): build, then move the top to the end n − 1 times.
  var size = n;
  var start = n / 2u;
  loop {
    var root: u32;
    if (start > 0u) {
      start--;
      root = start;
    } else {
      if (size <= 1u) { break; }
      size--;
      let top = out_idx[ob];
      out_idx[ob] = out_idx[ob + size];
      out_idx[ob + size] = top;
      root = 0u;
    }
    // Sift the element at root down.
    loop {
      var child = 2u * root + 1u;
      if (child >= size) { break; }
      if (child + 1u < size && pair_after(src_base, out_idx[ob + child + 1u], out_idx[ob + child])) {
        child++;
      }
      let a = out_idx[ob + root];
      let c = out_idx[ob + child];
      if (!pair_after(src_base, c, a)) { break; }
      out_idx[ob + root] = c;
      out_idx[ob + child] = a;
      root = child;
    }
  }
  for (var i = 0u; i < n; i++) { out_val[ob + i] = src[src_base + u32(out_idx[ob + i])]; }
}
`;
}
