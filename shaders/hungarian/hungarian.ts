/**
 * Batched linear assignment (Hungarian / shortest augmenting path with potentials), one
 * workgroup per problem: the same algorithm as `solveWideAssignment` in ./reference.ts, in f32.
 *
 * Layout: costs [batch, max_rows, max_cols] f32, sizes [batch, 2] i32 (rows, cols; clamped to
 * [0, max]), assign [batch, max_rows] i32 (column per row, -1 for unassigned and padding rows).
 * A tall problem (rows > cols) is solved transposed by swapping the two strides of its cost
 * reads, so the algorithm always has n ≤ m ("rows" = smaller side, "columns" = larger side).
 *
 * Parallel structure: thread `lid` owns columns j = lid + k·WG_X (k < CPT). Everything that is
 * per column and only its owner touches lives in registers (column potential v, shortest path
 * cost, "visited" bit); what other threads need lives in workgroup memory (row potentials u,
 * row4col, and `way`, the column the augmenting path came through). Each search step scans the
 * current row over the owner's columns, then the workgroup agrees on the argmin in two atomicMin
 * rounds — first the order-preserving bits of the f32 path cost, then (assigned << 16 | j) among
 * the threads holding that minimum, so ties go to a free column, then to the lowest index,
 * whatever the scheduling. Every thread then reads the same pick and follows the same path; the
 * atomics alternate between two slots (the next step's slot is reset between this step's two
 * barriers), and whether a pick ended the search is published through a workgroupUniformLoad that
 * doubles as the next step's first barrier: 2 barriers per step. The augmentation itself (a walk
 * back along `way`) is serial, on thread 0, once per row.
 *
 * A problem holding a NaN or ±Inf cost in its rows × cols block is left wholly unassigned (-1);
 * the padding outside that block is never read. Costs should stay well inside f32 range
 * (|c| ≲ 1e30): path costs are sums of a few costs and potentials.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';

export interface HungarianVariant {
  /** Threads per workgroup. */
  workgroup: number;
  /** Columns (of the larger side) each thread owns. */
  columnsPerThread: number;
}

/** The largest side a problem may have: workgroup memory holds 3 words per column (12 KiB). */
export const HUNGARIAN_MAX_SIDE = 1024;

/** Variant for problems whose larger side is at most `side` (≤ HUNGARIAN_MAX_SIDE). */
export function hungarianVariantFor(side: number): HungarianVariant {
  // Few threads per problem keep the per-step barriers and atomics cheap; columns per thread
  // stay ≤ 4 so the register arrays stay registers.
  if (side <= 64) return { workgroup: 64, columnsPerThread: 1 };
  if (side <= 128) return { workgroup: 64, columnsPerThread: 2 };
  if (side <= 256) return { workgroup: 64, columnsPerThread: 4 };
  if (side <= 512) return { workgroup: 128, columnsPerThread: 4 };
  return { workgroup: 256, columnsPerThread: 4 };
}

const cache = new Map<string, KernelSpec>();

export function hungarianKernel(v: HungarianVariant): KernelSpec {
  const key = `${v.workgroup}x${v.columnsPerThread}`;
  let spec = cache.get(key);
  if (!spec) {
    spec = buildHungarianKernel(v);
    cache.set(key, spec);
  }
  return spec;
}

function buildHungarianKernel(v: HungarianVariant): KernelSpec {
  return kernel({
    name: `hungarian_wg${v.workgroup}_c${v.columnsPerThread}`,
    bindings: [
      { name: 'costs', type: 'f32', access: 'read' },
      { name: 'sizes', type: 'i32', access: 'read' },
      { name: 'assign', type: 'i32', access: 'read_write' },
    ],
    params: [
      { name: 'batch', type: 'u32' },
      { name: 'max_rows', type: 'u32' },
      { name: 'max_cols', type: 'u32' },
    ],
    workgroupSize: [v.workgroup, 1, 1],
    body: `
const CPT: u32 = ${v.columnsPerThread}u;
const CAP: u32 = WG_X * CPT;
const NONE: u32 = 0xffffffffu;
const ASSIGNED: u32 = 0x10000u;
const BIG: f32 = 0x1.fffffep+127f; // largest finite f32

var<workgroup> u_row: array<f32, CAP>;
var<workgroup> row4col: array<i32, CAP>;
var<workgroup> way: array<i32, CAP>;
var<workgroup> min_key: array<atomic<u32>, 2>;
var<workgroup> min_idx: array<atomic<u32>, 2>;
var<workgroup> non_finite: atomic<u32>;
// Words read with workgroupUniformLoad, so the loops around the barriers stay uniform.
var<workgroup> flag: u32;
var<workgroup> search_state: u32;
const SEARCHING: u32 = 0u;
const FOUND: u32 = 1u;
const FAILED: u32 = 2u;

// Monotone map of f32 (not NaN) to u32: a < b  <=>  key(a) < key(b). -0 is folded into +0.
fn ordered_key(x: f32) -> u32 {
  let b = bitcast<u32>(select(x, 0.0, x == 0.0));
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn key_value(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn write_unassigned(out_base: u32, lid: u32) {
  for (var r = lid; r < params.max_rows; r += WG_X) { assign[out_base + r] = -1; }
}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let b = flat_workgroup_index(wid, nwg);
  if (b >= params.batch) { return; }
  let rows = u32(clamp(sizes[2u * b], 0, i32(params.max_rows)));
  let cols = u32(clamp(sizes[2u * b + 1u], 0, i32(params.max_cols)));
  let base = b * params.max_rows * params.max_cols;
  let out_base = b * params.max_rows;
  let flip = rows > cols;
  let n = select(rows, cols, flip);
  let m = select(cols, rows, flip);
  if (n == 0u) {
    write_unassigned(out_base, lid);
    return;
  }
  // cost(i, j) of the n <= m problem = costs[base + i * stride_i + j * stride_j].
  let stride_i = select(params.max_cols, 1u, flip);
  let stride_j = select(1u, params.max_cols, flip);

  // Refuse non-finite costs; initialise the shared state meanwhile.
  var finite = true;
  for (var e = lid; e < rows * cols; e += WG_X) {
    finite = finite && is_finite(costs[base + (e / cols) * params.max_cols + e % cols]);
  }
  if (!finite) { atomicStore(&non_finite, 1u); }
  for (var j = lid; j < CAP; j += WG_X) {
    u_row[j] = 0.0;
    row4col[j] = -1;
  }
  if (lid == 0u) {
    atomicStore(&min_key[0], NONE);
    atomicStore(&min_idx[0], NONE);
    atomicStore(&min_key[1], NONE);
    atomicStore(&min_idx[1], NONE);
  }
  workgroupBarrier();
  if (lid == 0u) { flag = atomicLoad(&non_finite); }
  if (workgroupUniformLoad(&flag) != 0u) {
    write_unassigned(out_base, lid);
    return;
  }

  var v: array<f32, CPT>;
  var spc: array<f32, CPT>;
  for (var k = 0u; k < CPT; k++) { v[k] = 0.0; }
  var slot = 0u;
  var outcome = SEARCHING;

  for (var cur = 0u; cur < n; cur++) {
    for (var k = 0u; k < CPT; k++) { spc[k] = BIG; }
    var visited = 0u;
    var min_val = 0.0;
    var i = cur;
    var via = -1;
    var sink = 0u;
    var searching = true; // the same in every thread: it follows the agreed picks
    loop {
      var best_key = NONE;
      var best_idx = NONE;
      if (searching) {
        // Scan row i over my unvisited columns; keep my best (path cost, tie key).
        let ui = u_row[i];
        let row_base = base + i * stride_i;
        for (var k = 0u; k < CPT; k++) {
          let j = lid + k * WG_X;
          if (j < m && (visited & (1u << k)) == 0u) {
            let r = min_val + costs[row_base + j * stride_j] - ui - v[k];
            if (r < spc[k]) {
              spc[k] = r;
              way[j] = via;
            }
            let key = ordered_key(spc[k]);
            let idx = select(ASSIGNED, 0u, row4col[j] < 0) | j;
            if (key < best_key || (key == best_key && idx < best_idx)) {
              best_key = key;
              best_idx = idx;
            }
          }
        }
        atomicMin(&min_key[slot], best_key);
      }
      // Barrier 1, which also tells every thread (uniformly) whether the last pick ended the search.
      outcome = workgroupUniformLoad(&search_state);
      if (outcome != SEARCHING) { break; }
      if (best_key != NONE && best_key == atomicLoad(&min_key[slot])) { atomicMin(&min_idx[slot], best_idx); }
      if (lid == 0u) {
        atomicStore(&min_key[1u - slot], NONE);
        atomicStore(&min_idx[1u - slot], NONE);
      }
      workgroupBarrier();
      // Every thread reads the agreed pick; thread 0 publishes whether it ends the search.
      let idx = atomicLoad(&min_idx[slot]);
      min_val = key_value(atomicLoad(&min_key[slot]));
      slot = 1u - slot;
      let jj = idx & 0xffffu;
      if (idx != NONE && jj % WG_X == lid) { visited |= 1u << (jj / WG_X); }
      if (idx == NONE) {
        searching = false; // only reachable through overflow to NaN
        if (lid == 0u) { search_state = FAILED; }
      } else if ((idx & ASSIGNED) == 0u) {
        sink = jj;
        searching = false;
        if (lid == 0u) { search_state = FOUND; }
      } else {
        i = u32(row4col[jj]);
        via = i32(jj);
      }
    }
    if (outcome == FAILED) { break; }
    // Duals of the settled columns and their rows, by their owners; u of the free row by thread 0.
    for (var k = 0u; k < CPT; k++) {
      if ((visited & (1u << k)) != 0u) {
        let j = lid + k * WG_X;
        let d = min_val - spc[k];
        v[k] -= d;
        if (j != sink) { u_row[row4col[j]] += d; }
      }
    }
    if (lid == 0u) { u_row[cur] += min_val; }
    workgroupBarrier();
    if (lid == 0u) {
      var j = sink;
      loop {
        let w = way[j];
        if (w < 0) {
          row4col[j] = i32(cur);
          break;
        }
        row4col[j] = row4col[w];
        j = u32(w);
      }
      search_state = SEARCHING;
    }
    workgroupBarrier();
  }
  if (outcome == FAILED) {
    write_unassigned(out_base, lid);
    return;
  }
  // col4row (into way, no longer needed), then one write per output row.
  for (var j = lid; j < m; j += WG_X) {
    let r = row4col[j];
    if (r >= 0) { way[r] = i32(j); }
  }
  workgroupBarrier();
  for (var r = lid; r < params.max_rows; r += WG_X) {
    var a = -1;
    if (r < rows) { a = select(way[r], row4col[r], flip); }
    assign[out_base + r] = a;
  }
}
`,
  });
}
