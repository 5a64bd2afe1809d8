/**
 * Fused attention forward (flash-attention style): one workgroup per (b, h, query tile[, key
 * split]). K and V tiles go through workgroup memory; each row keeps a running max and sum
 * (online softmax), so the Lq x Lk score matrix never exists. Per row it saves
 * (logsumexp, mask-ignored flag) for the backward.
 *
 * Masks follow Mask2Former: a row whose mask blocks every key is computed without the mask.
 * One pass does it: until a row meets its first unblocked key it accumulates every key
 * (unmasked); at that key it drops what it had and from then on skips blocked keys. A row that
 * never meets one ends up with the unmasked softmax, which is the rule.
 *
 * Rows whose logits are all -inf (after bias and mask) give 0 and logsumexp -inf.
 *
 * With key splits (few rows, many keys: Mask2Former's cross-attention on a GPU) each split
 * writes its unnormalised accumulator and (max, sum, saw-unblocked) and a combine kernel merges
 * them; splits that saw no unblocked key are dropped when another split saw one.
 */
import { type KernelSpec, type StorageBinding, kernel } from '../../engine/kernel.js';
import {
  type AttentionTilePlan,
  MASK_VALUE_FN,
  TILE_PAD,
  flagParams,
  loadVec4Fn,
  operandParams,
  operandRowFn,
  planConstants,
  planKey,
  termParams,
  termInputBindings,
  termRowFn,
  kvTileStaging,
} from './layout.js';

function outputBindings(): StorageBinding[] {
  return [
    { name: 'out', type: 'f32', access: 'read_write' },
    { name: 'stats', type: 'vec4<f32>', access: 'read_write' },
  ];
}

export interface ForwardVariant {
  plan: AttentionTilePlan;
}

const cache = new Map<string, KernelSpec>();

/**
 * One kernel per tile plan. Bias, mask kind and split mode are uniforms (uniform branches),
 * which keeps the number of pipelines to compile small (compiles are slow on CPU adapters).
 * Bindings: q, k, v, bias, mask, out, stats; absent terms are bound to any buffer and never
 * read. In split mode `out` receives the partial accumulators and `stats` the partial
 * (max, sum, saw-unblocked) rows.
 */
export function attentionForwardKernel({ plan }: ForwardVariant): KernelSpec {
  const key = planKey(plan);
  let spec = cache.get(key);
  if (!spec) {
    spec = buildForward(plan);
    cache.set(key, spec);
  }
  return spec;
}

function buildForward(p: AttentionTilePlan): KernelSpec {
  return kernel({
    name: `attention_fwd_${planKey(p)}`,
    bindings: [...termInputBindings(['q', 'k', 'v']), ...outputBindings()],
    params: [
      { name: 'heads', type: 'u32' },
      { name: 'lq', type: 'u32' },
      { name: 'lk', type: 'u32' },
      { name: 'q_tiles', type: 'u32' },
      { name: 'n_split', type: 'u32' },
      { name: 'split_keys', type: 'u32' },
      { name: 'total_wg', type: 'u32' },
      { name: 'rows_total', type: 'u32' },
      { name: 'write_partial', type: 'u32' },
      { name: 'scale', type: 'f32' },
      ...flagParams(),
      ...operandParams('q'),
      ...operandParams('k'),
      ...operandParams('v'),
      ...operandParams('o'),
      ...termParams('bias'),
      ...termParams('mask'),
    ],
    workgroupSize: [p.rows * p.lanes, 1, 1],
    body: `
${planConstants(p)}
${kvTileStaging(p)}
var<workgroup> pt: array<vec4<f32>, ${p.rows * ((p.cols + TILE_PAD) / 4)}>;
var<workgroup> part: array<vec4<f32>, ${p.rows * p.lanes}>;
${operandRowFn('q')}
${operandRowFn('k')}
${operandRowFn('v')}
${operandRowFn('o')}
${termRowFn('bias')}
${termRowFn('mask')}
${loadVec4Fn('load_q', 'q', 'q', p.d)}
${loadVec4Fn('load_k', 'k', 'k', p.d)}
${loadVec4Fn('load_v', 'v', 'v', p.dv)}
${MASK_VALUE_FN}

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.total_wg) { return; }
  let ninf = -bitcast<f32>(inf_bits);
  let has_bias = params.has_bias != 0u;
  let has_mask = params.mask_kind != 0u;
  let qt = wg % params.q_tiles;
  let rest = wg / params.q_tiles;
  let split_id = rest % params.n_split;
  let bh = rest / params.n_split;
  let h = bh % params.heads;
  let b = bh / params.heads;
  let r = lid / LANES;
  let t = lid % LANES;
  let i = qt * ROWS + r;
  let row_ok = i < params.lq;
  let i_safe = min(i, params.lq - 1u);

  // This row's query, pre-multiplied by the scale, in registers.
  var qr: array<vec4<f32>, D4>;
  if (row_ok) {
    let qb = q_row(b, h, i);
    for (var c = 0u; c < D4; c++) { qr[c] = load_q(qb, c) * params.scale; }
  }
  let bias_base = bias_row(b, h, i_safe);
  let mask_base = mask_row(b, h, i_safe);
  let k_begin = split_id * params.split_keys;
  let k_end = min(params.lk, k_begin + params.split_keys);

  var m = ninf;      // running max of the row (identical in all lanes of the row)
  var l = 0.0;       // this lane's share of the running sum
  var seen = false;  // met an unblocked key (mask mode)
  var acc: array<vec4<f32>, AV4>;  // this lane's vec4 columns of the running P·V
  var sv: array<f32, PER_LANE>;
  var mv: array<f32, PER_LANE>;

  for (var k0 = k_begin; k0 < k_end; k0 += COLS) {
    workgroupBarrier();
    stage_kv_tile(b, h, k0, k_end, lid);
    workgroupBarrier();

    // Scores of this lane's keys; per-lane maxima (unmasked, masked) and "saw an unblocked key".
    var mx_u = ninf;
    var mx_m = ninf;
    var any_u = false;
    for (var c = 0u; c < PER_LANE; c++) {
      let jl = t + c * LANES;
      let j = k0 + jl;
      var s = ninf;
      var mk = ninf;
      if (row_ok && j < k_end) {
        var d4 = vec4<f32>(0.0);
        for (var e = 0u; e < D4; e++) { d4 += qr[e] * ks[jl * KS + e]; }
        s = d4.x + d4.y + d4.z + d4.w;
        if (has_bias) { s += bias[bias_base + j * params.bias_sk]; }
        mk = 0.0;
        if (has_mask) { mk = mask_value(mask_base + j * params.mask_sk); }
      }
      sv[c] = s;
      mv[c] = mk;
      mx_u = max(mx_u, s);
      mx_m = max(mx_m, s + mk);
      any_u = any_u || mk > ninf;
    }
    part[lid] = vec4<f32>(mx_u, mx_m, select(0.0, 1.0, any_u), 0.0);
    workgroupBarrier();
    var tmu = ninf;
    var tmm = ninf;
    var tany = false;
    for (var u = 0u; u < LANES; u++) {
      let pp = part[r * LANES + u];
      tmu = max(tmu, pp.x);
      tmm = max(tmm, pp.y);
      tany = tany || pp.z > 0.5;
    }
    // Mask2Former's rule in one pass: keep every key until the row meets an unblocked one.
    let use_mask = has_mask && (seen || tany);
    if (use_mask && !seen) {
      m = ninf;
      l = 0.0;
      for (var u = 0u; u < AV4; u++) { acc[u] = vec4<f32>(0.0); }
      seen = true;
    }
    let m_new = max(m, select(tmu, tmm, use_mask));
    var alpha = 1.0;
    if (m_new > ninf) { alpha = exp(m - m_new); }
    l = l * alpha;
    for (var c = 0u; c < PER_LANE; c++) {
      let jl = t + c * LANES;
      var x = sv[c];
      if (use_mask) { x = x + mv[c]; }
      var p = 0.0;
      if (x > ninf) { p = exp(x - m_new); }
      l += p;
      pt[r * PS4 + jl / 4u][jl % 4u] = p;
    }
    m = m_new;
    workgroupBarrier();

    // This lane's vec4 columns of P·V over the tile.
    for (var u = 0u; u < AV4; u++) {
      let c4 = t + u * LANES;
      if (c4 < DV4) {
        var a = acc[u] * alpha;
        for (var jq = 0u; jq < COLS / 4u; jq++) {
          let p4 = pt[r * PS4 + jq];
          let vb = jq * 4u * VS + c4;
          a += p4.x * vs[vb] + p4.y * vs[vb + VS] + p4.z * vs[vb + 2u * VS] + p4.w * vs[vb + 3u * VS];
        }
        acc[u] = a;
      }
    }
  }

  workgroupBarrier();
  part[lid] = vec4<f32>(l, 0.0, 0.0, 0.0);
  workgroupBarrier();
  var lsum = 0.0;
  for (var u = 0u; u < LANES; u++) { lsum += part[r * LANES + u].x; }
  if (!row_ok) { return; }
  let row = (b * params.heads + h) * params.lq + i;
  if (params.write_partial != 0u) {
    let prow = split_id * params.rows_total + row;
    for (var u = 0u; u < AV4; u++) {
      let c4 = t + u * LANES;
      if (c4 < DV4) {
        for (var e = 0u; e < 4u; e++) { out[(prow * DV4 + c4) * 4u + e] = acc[u][e]; }
      }
    }
    if (t == 0u) { stats[prow] = vec4<f32>(m, lsum, select(0.0, 1.0, seen), 0.0); }
    return;
  }
  let inv = select(0.0, 1.0 / lsum, lsum > 0.0);
  let ob = o_row(b, h, i);
  for (var u = 0u; u < AV4; u++) {
    let c4 = t + u * LANES;
    if (c4 < DV4) {
      let o4 = acc[u] * inv;
      for (var e = 0u; e < 4u; e++) {
        let d = c4 * 4u + e;
        if (d < DV) { out[ob + d * params.o_sx] = o4[e]; }
      }
    }
  }
  if (t == 0u) {
    let lse = select(ninf, m + log(lsum), lsum > 0.0);
    stats[row] = vec4<f32>(lse, select(0.0, 1.0, has_mask && !seen), 0.0, 0.0);
  }
}
`,
  });
}

const combineCache = new Map<number, KernelSpec>();

/** Merges the key splits' partial results into the output and the row statistics. */
export function attentionCombineKernel(dv: number): KernelSpec {
  let spec = combineCache.get(dv);
  if (!spec) {
    const dv4 = Math.max(1, Math.ceil(dv / 4));
    const use = '(!has_mask || !any_seen || st.z > 0.5)';
    spec = kernel({
      name: `attention_combine_dv${dv}`,
      bindings: [
        { name: 'pacc', type: 'vec4<f32>', access: 'read' },
        { name: 'pstat', type: 'vec4<f32>', access: 'read' },
        { name: 'out', type: 'f32', access: 'read_write' },
        { name: 'stats', type: 'vec4<f32>', access: 'read_write' },
      ],
      params: [
        { name: 'total', type: 'u32' },
        { name: 'rows_total', type: 'u32' },
        { name: 'n_split', type: 'u32' },
        { name: 'heads', type: 'u32' },
        { name: 'lq', type: 'u32' },
        { name: 'has_mask', type: 'u32' },
        ...operandParams('o'),
      ],
      workgroupSize: [64, 1, 1],
      body: `
const DV: u32 = ${dv}u;
const DV4: u32 = ${dv4}u;
var<private> inf_bits: u32 = 0x7f800000u;
${operandRowFn('o')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (g >= params.total) { return; }
  let ninf = -bitcast<f32>(inf_bits);
  let has_mask = params.has_mask != 0u;
  let row = g / DV4;
  let c4 = g % DV4;
  var any_seen = false;
  for (var s = 0u; s < params.n_split; s++) { any_seen = any_seen || pstat[s * params.rows_total + row].z > 0.5; }
  var mm = ninf;
  for (var s = 0u; s < params.n_split; s++) {
    let st = pstat[s * params.rows_total + row];
    if (${use}) { mm = max(mm, st.x); }
  }
  var ll = 0.0;
  var a = vec4<f32>(0.0);
  if (mm > ninf) {
    for (var s = 0u; s < params.n_split; s++) {
      let st = pstat[s * params.rows_total + row];
      if (${use} && st.x > ninf) {
        let w = exp(st.x - mm);
        ll += st.y * w;
        a += pacc[(s * params.rows_total + row) * DV4 + c4] * w;
      }
    }
  }
  let inv = select(0.0, 1.0 / ll, ll > 0.0);
  let i = row % params.lq;
  let bh = row / params.lq;
  let ob = o_row(bh / params.heads, bh % params.heads, i);
  for (var e = 0u; e < 4u; e++) {
    let d = c4 * 4u + e;
    if (d < DV) { out[ob + d * params.o_sx] = a[e] * inv; }
  }
  if (c4 == 0u) {
    stats[row] = vec4<f32>(select(ninf, mm + log(ll), ll > 0.0), select(0.0, 1.0, has_mask && !any_seen), 0.0, 0.0);
  }
}
`,
    });
    combineCache.set(dv, spec);
  }
  return spec;
}
