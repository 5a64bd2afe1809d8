// kernel: attention_fwd_d5v7l4r32c64_bias_maskbool_split
const WG_X: u32 = 128u;
const WG_Y: u32 = 1u;
const WG_Z: u32 = 1u;
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<u32>;
@group(0) @binding(5) var<storage, read_write> pacc: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> pstat: array<vec4<f32>>;
struct Params {
  heads: u32,
  lq: u32,
  lk: u32,
  q_tiles: u32,
  n_split: u32,
  split_keys: u32,
  total_wg: u32,
  rows_total: u32,
  scale: f32,
  q_off: u32,
  q_sb: u32,
  q_sh: u32,
  q_sl: u32,
  q_sx: u32,
  k_off: u32,
  k_sb: u32,
  k_sh: u32,
  k_sl: u32,
  k_sx: u32,
  v_off: u32,
  v_sb: u32,
  v_sh: u32,
  v_sl: u32,
  v_sx: u32,
  bias_off: u32,
  bias_n: u32,
  bias_sb: u32,
  bias_sh: u32,
  bias_sq: u32,
  bias_sk: u32,
  mask_off: u32,
  mask_n: u32,
  mask_sb: u32,
  mask_sh: u32,
  mask_sq: u32,
  mask_sk: u32,
};
@group(0) @binding(7) var<uniform> params: Params;
fn flat_workgroup_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return (wid.z * nwg.y + wid.y) * nwg.x + wid.x;
}


const D: u32 = 5u;
const DV: u32 = 7u;
const D4: u32 = 2u;
const DV4: u32 = 2u;
const LANES: u32 = 4u;
const ROWS: u32 = 32u;
const COLS: u32 = 64u;
const KS: u32 = 3u;
const VS: u32 = 3u;
const PS4: u32 = 18u;
const PER_LANE: u32 = 16u;
const AQ4: u32 = 1u;
const AV4: u32 = 1u;
var<private> inf_bits: u32 = 0x7f800000u;

var<workgroup> ks: array<vec4<f32>, 192>;
var<workgroup> vs: array<vec4<f32>, 192>;
var<workgroup> pt: array<vec4<f32>, 576>;
var<workgroup> part: array<vec4<f32>, 128>;
fn q_row(b: u32, h: u32, l: u32) -> u32 {
  return params.q_off + b * params.q_sb + h * params.q_sh + l * params.q_sl;
}
fn k_row(b: u32, h: u32, l: u32) -> u32 {
  return params.k_off + b * params.k_sb + h * params.k_sh + l * params.k_sl;
}
fn v_row(b: u32, h: u32, l: u32) -> u32 {
  return params.v_off + b * params.v_sb + h * params.v_sh + l * params.v_sl;
}

fn bias_row(b: u32, h: u32, i: u32) -> u32 {
  return params.bias_off + (b % params.bias_n) * params.bias_sb + h * params.bias_sh + i * params.bias_sq;
}
fn mask_row(b: u32, h: u32, i: u32) -> u32 {
  return params.mask_off + (b % params.mask_n) * params.mask_sb + h * params.mask_sh + i * params.mask_sq;
}
fn load_q(base: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (c * 4u + 0u < 5u) { v[0] = q[base + (c * 4u + 0u) * params.q_sx]; }
  if (c * 4u + 1u < 5u) { v[1] = q[base + (c * 4u + 1u) * params.q_sx]; }
  if (c * 4u + 2u < 5u) { v[2] = q[base + (c * 4u + 2u) * params.q_sx]; }
  if (c * 4u + 3u < 5u) { v[3] = q[base + (c * 4u + 3u) * params.q_sx]; }
  return v;
}
fn load_k(base: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (c * 4u + 0u < 5u) { v[0] = k[base + (c * 4u + 0u) * params.k_sx]; }
  if (c * 4u + 1u < 5u) { v[1] = k[base + (c * 4u + 1u) * params.k_sx]; }
  if (c * 4u + 2u < 5u) { v[2] = k[base + (c * 4u + 2u) * params.k_sx]; }
  if (c * 4u + 3u < 5u) { v[3] = k[base + (c * 4u + 3u) * params.k_sx]; }
  return v;
}
fn load_v(base: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (c * 4u + 0u < 7u) { v[0] = v[base + (c * 4u + 0u) * params.v_sx]; }
  if (c * 4u + 1u < 7u) { v[1] = v[base + (c * 4u + 1u) * params.v_sx]; }
  if (c * 4u + 2u < 7u) { v[2] = v[base + (c * 4u + 2u) * params.v_sx]; }
  if (c * 4u + 3u < 7u) { v[3] = v[base + (c * 4u + 3u) * params.v_sx]; }
  return v;
}
fn mask_value(idx: u32) -> f32 { return select(0.0, -bitcast<f32>(inf_bits), mask[idx] != 0u); }

@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.total_wg) { return; }
  let ninf = -bitcast<f32>(inf_bits);
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
  var acc: array<vec4<f32>, AV4>;  // this lane's columns of the running P·V
  var sv: array<f32, PER_LANE>;
  var mv: array<f32, PER_LANE>;

  for (var k0 = k_begin; k0 < k_end; k0 += COLS) {
    workgroupBarrier();
    for (var s = lid; s < COLS * D4; s += WG_X) {
      let jl = s / D4;
      let j = k0 + jl;
      var x = vec4<f32>(0.0);
      if (j < k_end) { x = load_k(k_row(b, h, j), s % D4); }
      ks[jl * KS + s % D4] = x;
    }
    for (var s = lid; s < COLS * DV4; s += WG_X) {
      let jl = s / DV4;
      let j = k0 + jl;
      var x = vec4<f32>(0.0);
      if (j < k_end) { x = load_v(v_row(b, h, j), s % DV4); }
      vs[jl * VS + s % DV4] = x;
    }
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
        s += bias[bias_base + j * params.bias_sk];
          mk = mask_value(mask_base + j * params.mask_sk);
      }
      sv[c] = s;
      mx_u = max(mx_u, s);
      mv[c] = mk;
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
    let use_mask = seen || tany;
    if (use_mask && !seen) {
      m = ninf;
      l = 0.0;
      for (var u = 0u; u < AV4; u++) { acc[u] = vec4<f32>(0.0); }
      seen = true;
    }
    let tmax = select(tmu, tmm, use_mask);
    let m_new = max(m, tmax);
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
  if (row_ok) {
    let prow = split_id * params.rows_total + (b * params.heads + h) * params.lq + i;
    for (var u = 0u; u < AV4; u++) {
      let c4 = t + u * LANES;
      if (c4 < DV4) { pacc[prow * DV4 + c4] = acc[u]; }
    }
    if (t == 0u) { pstat[prow] = vec4<f32>(m, lsum, select(0.0, 1.0, seen), 0.0); }
  }
}

