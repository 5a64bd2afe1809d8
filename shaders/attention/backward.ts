/**
 * Fused attention backward with the flash-attention recomputation scheme: P is recomputed from
 * the saved logsumexp (P = exp(s - lse)), never stored. Three kernels, no atomics:
 *  - prep: per row, δ = rowsum(dO · O), packed with (lse, mask-ignored flag) into `rowinfo`;
 *  - dQ: one workgroup per (b, h, query tile), looping over key tiles:
 *        dS = P ∘ (dO·Vᵀ - δ),  dQ = scale · dS·K  (and dS itself when a bias needs its gradient);
 *  - dK/dV: one workgroup per (b, h, key tile), looping over query tiles:
 *        dV = Pᵀ·dO,  dK = scale · dSᵀ·Q.
 * Rows with lse = -inf (every logit -inf) have P = 0 and contribute nothing. A row whose mask
 * was ignored in the forward (fully blocked, Mask2Former's rule) is recomputed without it.
 */
import { type KernelSpec, type ParamField, type StorageBinding, kernel } from '../../engine/kernel.js';
import {
  type AttentionTilePlan,
  MASK_VALUE_FN,
  ROW_PAD4,
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

const cache = new Map<string, KernelSpec>();

function cached(key: string, build: () => KernelSpec): KernelSpec {
  let spec = cache.get(key);
  if (!spec) {
    spec = build();
    cache.set(key, spec);
  }
  return spec;
}

/** rowinfo[row] = (lse, flag, Σ dO·O, 0) for each of the B·H·Lq rows. */
export function attentionPrepKernel(dv: number): KernelSpec {
  return cached(`prep|${dv}`, () =>
    kernel({
      name: `attention_bwd_prep_dv${dv}`,
      bindings: [
        { name: 'o', type: 'f32', access: 'read' },
        { name: 'g', type: 'f32', access: 'read' },
        { name: 'stats', type: 'vec4<f32>', access: 'read' },
        { name: 'rowinfo', type: 'vec4<f32>', access: 'read_write' },
      ],
      params: [
        { name: 'rows_total', type: 'u32' },
        { name: 'heads', type: 'u32' },
        { name: 'lq', type: 'u32' },
        ...operandParams('o'),
        ...operandParams('g'),
      ],
      workgroupSize: [64, 1, 1],
      body: `
const DV: u32 = ${dv}u;
${operandRowFn('o')}
${operandRowFn('g')}
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = flat_workgroup_index(wid, nwg) * WG_X + lid;
  if (row >= params.rows_total) { return; }
  let i = row % params.lq;
  let bh = row / params.lq;
  let b = bh / params.heads;
  let h = bh % params.heads;
  let ob = o_row(b, h, i);
  let gb = g_row(b, h, i);
  var delta = 0.0;
  for (var d = 0u; d < DV; d++) { delta += o[ob + d * params.o_sx] * g[gb + d * params.g_sx]; }
  let st = stats[row];
  rowinfo[row] = vec4<f32>(st.x, st.y, delta, 0.0);
}
`,
    }),
  );
}

function inputBindings(): StorageBinding[] {
  return [...termInputBindings(['q', 'k', 'v', 'g']), { name: 'rowinfo', type: 'vec4<f32>', access: 'read' }];
}

function commonParams(): ParamField[] {
  return [
    { name: 'heads', type: 'u32' },
    { name: 'lq', type: 'u32' },
    { name: 'lk', type: 'u32' },
    { name: 'tiles', type: 'u32' },
    { name: 'total_wg', type: 'u32' },
    { name: 'n_split', type: 'u32' },
    { name: 'split_keys', type: 'u32' },
    { name: 'second_off', type: 'u32' },
    { name: 'write_ds', type: 'u32' },
    { name: 'rows_total', type: 'u32' },
    { name: 'scale', type: 'f32' },
    ...flagParams(),
    ...operandParams('q'),
    ...operandParams('k'),
    ...operandParams('v'),
    ...operandParams('g'),
    ...termParams('bias'),
    ...termParams('mask'),
  ];
}

function commonFns(p: AttentionTilePlan): string {
  return `
${planConstants(p)}
${operandRowFn('q')}
${operandRowFn('k')}
${operandRowFn('v')}
${operandRowFn('g')}
${termRowFn('bias')}
${termRowFn('mask')}
${loadVec4Fn('load_q', 'q', 'q', p.d)}
${loadVec4Fn('load_k', 'k', 'k', p.d)}
${loadVec4Fn('load_v', 'v', 'v', p.dv)}
${loadVec4Fn('load_g', 'g', 'g', p.dv)}
${MASK_VALUE_FN}
`;
}

const HEADER = `
@compute @workgroup_size(WG_X, WG_Y, WG_Z)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flat_workgroup_index(wid, nwg);
  if (wg >= params.total_wg) { return; }
  let ninf = -bitcast<f32>(inf_bits);
  let tile = wg % params.tiles;
  let split_id = (wg / params.tiles) % params.n_split;
  let bh = wg / params.tiles / params.n_split;
  let h = bh % params.heads;
  let b = bh / params.heads;
  let r = lid / LANES;
  let t = lid % LANES;
  let has_bias = params.has_bias != 0u;
  let has_mask = params.mask_kind != 0u;`;

/**
 * dQ (dense [B,H,Lq,D] at the start of `out`) and, when `write_ds` is set, dS (dense
 * [B,H,Lq,Lk] at `second_off`) for the bias gradient. With key splits (long key sequences,
 * few query tiles) split s writes its partial dQ at s·rows_total·D, summed afterwards.
 */
export function attentionDqKernel(p: AttentionTilePlan): KernelSpec {
  return cached(`dq|${planKey(p)}`, () =>
    kernel({
      name: `attention_bwd_dq_${planKey(p)}`,
      bindings: [...inputBindings(), { name: 'out', type: 'f32', access: 'read_write' }],
      params: commonParams(),
      workgroupSize: [p.rows * p.lanes, 1, 1],
      body: `
${commonFns(p)}
${kvTileStaging(p)}
var<workgroup> dst: array<vec4<f32>, ${p.rows * ((p.cols + TILE_PAD) / 4)}>;
${HEADER}
  let i = tile * ROWS + r;
  let row_ok = i < params.lq;
  let i_safe = min(i, params.lq - 1u);
  let row = (b * params.heads + h) * params.lq + i_safe;
  var qr: array<vec4<f32>, D4>;
  var gr: array<vec4<f32>, DV4>;
  if (row_ok) {
    let qb = q_row(b, h, i);
    for (var c = 0u; c < D4; c++) { qr[c] = load_q(qb, c) * params.scale; }
    let gb = g_row(b, h, i);
    for (var c = 0u; c < DV4; c++) { gr[c] = load_g(gb, c); }
  }
  let info = rowinfo[row];
  let lse = info.x;
  let use_mask = has_mask && info.y < 0.5;
  let delta = info.z;
  let live = row_ok && lse > ninf;
  let bias_base = bias_row(b, h, i_safe);
  let mask_base = mask_row(b, h, i_safe);
  var dq: array<vec4<f32>, AQ4>;

  let k_begin = split_id * params.split_keys;
  let k_end = min(params.lk, k_begin + params.split_keys);
  for (var k0 = k_begin; k0 < k_end; k0 += COLS) {
    workgroupBarrier();
    stage_kv_tile(b, h, k0, k_end, lid);
    workgroupBarrier();
    for (var c = 0u; c < PER_LANE; c++) {
      let jl = t + c * LANES;
      let j = k0 + jl;
      var ds = 0.0;
      if (live && j < k_end) {
        var a4 = vec4<f32>(0.0);
        for (var e = 0u; e < D4; e++) { a4 += qr[e] * ks[jl * KS + e]; }
        var s = a4.x + a4.y + a4.z + a4.w;
        if (has_bias) { s += bias[bias_base + j * params.bias_sk]; }
        if (use_mask) { s += mask_value(mask_base + j * params.mask_sk); }
        if (s > ninf) {
          let p = exp(s - lse);
          var g4 = vec4<f32>(0.0);
          for (var e = 0u; e < DV4; e++) { g4 += gr[e] * vs[jl * VS + e]; }
          ds = p * (g4.x + g4.y + g4.z + g4.w - delta);
        }
      }
      dst[r * PS4 + jl / 4u][jl % 4u] = ds;
      if (params.write_ds != 0u && row_ok && j < k_end) { out[params.second_off + row * params.lk + j] = ds; }
    }
    workgroupBarrier();
    for (var u = 0u; u < AQ4; u++) {
      let c4 = t + u * LANES;
      if (c4 < D4) {
        var a = dq[u];
        for (var jq = 0u; jq < COLS / 4u; jq++) {
          let d4 = dst[r * PS4 + jq];
          let kb = jq * 4u * KS + c4;
          a += d4.x * ks[kb] + d4.y * ks[kb + KS] + d4.z * ks[kb + 2u * KS] + d4.w * ks[kb + 3u * KS];
        }
        dq[u] = a;
      }
    }
  }

  if (row_ok) {
    for (var u = 0u; u < AQ4; u++) {
      let c4 = t + u * LANES;
      if (c4 < D4) {
        let v4 = dq[u] * params.scale;
        for (var e = 0u; e < 4u; e++) {
          let d = c4 * 4u + e;
          if (d < D) { out[(split_id * params.rows_total + row) * D + d] = v4[e]; }
        }
      }
    }
  }
}
`,
    }),
  );
}

/** dK (dense [B,H,Lk,D] at the start of `out`) and dV (dense [B,H,Lk,Dv] at `second_off`). */
export function attentionDkvKernel(p: AttentionTilePlan): KernelSpec {
  const addStride = p.rows + 4;
  return cached(`dkv|${planKey(p)}`, () =>
    kernel({
      name: `attention_bwd_dkv_${planKey(p)}`,
      bindings: [...inputBindings(), { name: 'out', type: 'f32', access: 'read_write' }],
      params: commonParams(),
      workgroupSize: [p.rows * p.lanes, 1, 1],
      body: `
${commonFns(p)}
const AS: u32 = ${addStride}u;
var<workgroup> qs: array<vec4<f32>, ${p.cols * (p.d4 + ROW_PAD4)}>;
var<workgroup> gs: array<vec4<f32>, ${p.cols * (p.dv4 + ROW_PAD4)}>;
var<workgroup> ri: array<vec4<f32>, ${p.cols}>;
var<workgroup> pt: array<vec4<f32>, ${p.rows * ((p.cols + TILE_PAD) / 4)}>;
var<workgroup> dst: array<vec4<f32>, ${p.rows * ((p.cols + TILE_PAD) / 4)}>;
var<workgroup> bt: array<f32, ${p.cols * addStride}>;
var<workgroup> mt: array<f32, ${p.cols * addStride}>;
${HEADER}
  let j = tile * ROWS + r;
  let key_ok = j < params.lk;
  let j0 = tile * ROWS;
  var kr: array<vec4<f32>, D4>;
  var vr: array<vec4<f32>, DV4>;
  if (key_ok) {
    let kb = k_row(b, h, j);
    for (var c = 0u; c < D4; c++) { kr[c] = load_k(kb, c); }
    let vb = v_row(b, h, j);
    for (var c = 0u; c < DV4; c++) { vr[c] = load_v(vb, c); }
  }
  var dk: array<vec4<f32>, AQ4>;
  var dv: array<vec4<f32>, AV4>;
  let row0 = (b * params.heads + h) * params.lq;

  for (var i0 = 0u; i0 < params.lq; i0 += COLS) {
    workgroupBarrier();
    for (var s = lid; s < COLS * D4; s += WG_X) {
      let i = i0 + s / D4;
      var x = vec4<f32>(0.0);
      if (i < params.lq) { x = load_q(q_row(b, h, i), s % D4) * params.scale; }
      qs[(s / D4) * KS + s % D4] = x;
    }
    for (var s = lid; s < COLS * DV4; s += WG_X) {
      let i = i0 + s / DV4;
      var x = vec4<f32>(0.0);
      if (i < params.lq) { x = load_g(g_row(b, h, i), s % DV4); }
      gs[(s / DV4) * VS + s % DV4] = x;
    }
    for (var s = lid; s < COLS; s += WG_X) {
      let i = i0 + s;
      var x = vec4<f32>(-bitcast<f32>(inf_bits), 1.0, 0.0, 0.0);
      if (i < params.lq) { x = rowinfo[row0 + i]; }
      ri[s] = x;
    }
    if (has_bias || has_mask) {
      for (var s = lid; s < COLS * ROWS; s += WG_X) {
        let iq = s / ROWS;
        let jl = s % ROWS;
        let i = min(i0 + iq, params.lq - 1u);
        let jj = min(j0 + jl, params.lk - 1u);
        if (has_bias) { bt[iq * AS + jl] = bias[bias_row(b, h, i) + jj * params.bias_sk]; }
        if (has_mask) { mt[iq * AS + jl] = mask_value(mask_row(b, h, i) + jj * params.mask_sk); }
      }
    }
    workgroupBarrier();
    for (var c = 0u; c < PER_LANE; c++) {
      let iq = t + c * LANES;
      var p = 0.0;
      var ds = 0.0;
      let info = ri[iq];
      if (key_ok && info.x > ninf) {
        var a4 = vec4<f32>(0.0);
        for (var e = 0u; e < D4; e++) { a4 += qs[iq * KS + e] * kr[e]; }
        var s = a4.x + a4.y + a4.z + a4.w;
        if (has_bias) { s += bt[iq * AS + r]; }
        if (has_mask && info.y < 0.5) { s += mt[iq * AS + r]; }
        if (s > ninf) {
          p = exp(s - info.x);
          var g4 = vec4<f32>(0.0);
          for (var e = 0u; e < DV4; e++) { g4 += gs[iq * VS + e] * vr[e]; }
          ds = p * (g4.x + g4.y + g4.z + g4.w - info.z);
        }
      }
      pt[r * PS4 + iq / 4u][iq % 4u] = p;
      dst[r * PS4 + iq / 4u][iq % 4u] = ds;
    }
    workgroupBarrier();
    for (var u = 0u; u < AV4; u++) {
      let c4 = t + u * LANES;
      if (c4 < DV4) {
        var a = dv[u];
        for (var iq = 0u; iq < COLS / 4u; iq++) {
          let p4 = pt[r * PS4 + iq];
          let gb = iq * 4u * VS + c4;
          a += p4.x * gs[gb] + p4.y * gs[gb + VS] + p4.z * gs[gb + 2u * VS] + p4.w * gs[gb + 3u * VS];
        }
        dv[u] = a;
      }
    }
    for (var u = 0u; u < AQ4; u++) {
      let c4 = t + u * LANES;
      if (c4 < D4) {
        var a = dk[u];
        for (var iq = 0u; iq < COLS / 4u; iq++) {
          let d4 = dst[r * PS4 + iq];
          let qb = iq * 4u * KS + c4;
          a += d4.x * qs[qb] + d4.y * qs[qb + KS] + d4.z * qs[qb + 2u * KS] + d4.w * qs[qb + 3u * KS];
        }
        dk[u] = a;
      }
    }
  }

  if (key_ok) {
    let krow = (b * params.heads + h) * params.lk + j;
    for (var u = 0u; u < AQ4; u++) {
      let c4 = t + u * LANES;
      if (c4 < D4) {
        for (var e = 0u; e < 4u; e++) {
          let d = c4 * 4u + e;
          if (d < D) { out[krow * D + d] = dk[u][e]; }
        }
      }
    }
    for (var u = 0u; u < AV4; u++) {
      let c4 = t + u * LANES;
      if (c4 < DV4) {
        for (var e = 0u; e < 4u; e++) {
          let d = c4 * 4u + e;
          if (d < DV) { out[params.second_off + krow * DV + d] = dv[u][e]; }
        }
      }
    }
  }
}
`,
    }),
  );
}
