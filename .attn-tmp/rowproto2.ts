import { startNodeEngine } from '../runners/node/engine.js';
import { randn, Tensor, keep, type KernelSpec } from '../engine/index.js';
import { rowwiseForwardKernel } from '../shaders/attention/rowwise.js';
import { operandValues, termValues } from '../shaders/attention/layout.js';
import { timeGpu } from '../bench/timing.js';
const eng = await startNodeEngine();
const [B, H, L, D] = [64, 3, 49, 32];
const q = keep(randn([B, H, L, D], { seed: 1 })), k = keep(randn([B, H, L, D], { seed: 2 })), v = keep(randn([B, H, L, D], { seed: 3 }));
const out = keep(Tensor.empty([B, H, L, D])); const stats = keep(Tensor.empty([B * H * L, 4]));
const lay = (t: Tensor) => ({ off: t.offset, sb: t.strides[0]!, sh: t.strides[1]!, sl: t.strides[2]!, sx: t.strides[3]! });
const none = { off: 0, n: 1, sb: 0, sh: 0, sq: 0, sk: 0 };
const base = rowwiseForwardKernel(D, D);
function variant(name: string, edit: (s: string) => string, bind?: (b: KernelSpec['bindings']) => KernelSpec['bindings']): KernelSpec {
  return { ...base, name: base.name + name, body: edit(base.body), bindings: bind ? bind(base.bindings) : base.bindings };
}
const vecKV = variant('_vec4', (s) => s.replace(/fn load_k\(base: u32, c: u32\) -> vec4<f32> \{[^}]*\}/, 'fn load_k(base: u32, c: u32) -> vec4<f32> { return k[(base >> 2u) + c]; }').replace(/fn load_v\(base: u32, c: u32\) -> vec4<f32> \{[^}]*\}/, 'fn load_v(base: u32, c: u32) -> vec4<f32> { return v[(base >> 2u) + c]; }'),
  (b) => b.map((x) => (x.name === 'k' || x.name === 'v' ? { ...x, type: 'vec4<f32>' } : x)));
const noExp = variant('_noexp', (s) => s.replaceAll('exp(', 'abs('));
const light = variant('_light', (s) => s.replace(/if \(s > ninf\) \{\n      if \(s > m\) \{/, 'if (s > ninf) {\n      if (false) {'));
for (const spec of [base, vecKV, noExp, light]) {
  const go = () => eng.stream.dispatch1D(spec, [q, k, v, q, q, out, stats].map((t) => ({ buffer: t.buffer })), {
    heads: H, lq: L, lk: L, rows_total: B * H * L, scale: 1 / Math.sqrt(D), has_bias: 0, mask_kind: 0,
    ...operandValues('q', lay(q)), ...operandValues('k', lay(k)), ...operandValues('v', lay(v)), ...operandValues('o', lay(out)), ...termValues('bias', none), ...termValues('mask', none) }, B * H * L);
  go(); await eng.sync();
  console.log(spec.name, 'ms', (await timeGpu(go, 5)).toFixed(1));
}
import { attention, tidy } from '../engine/index.js';
for (let rep = 0; rep < 2; rep++) {
  console.log('unfused', (await timeGpu(() => tidy(() => void attention(q, k, v, { implementation: 'unfused' })), 5)).toFixed(1));
  console.log('fused tiled', (await timeGpu(() => tidy(() => void attention(q, k, v)), 5)).toFixed(1));
}
process.exit(0);
