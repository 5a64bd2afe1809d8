import { startNodeEngine } from '../runners/node/engine.js';
import { engine, randn, tensor, Tensor, keep, tidy } from '../engine/index.js';
import { rowwiseForwardKernel } from '../shaders/attention/rowwise.js';
import { operandValues, termValues } from '../shaders/attention/layout.js';
import { attentionReference } from '../shaders/attention/reference.js';
import { timeGpu } from '../bench/timing.js';
const eng = await startNodeEngine();
const [B, H, L, D] = [64, 3, 49, 32];
const q = keep(randn([B, H, L, D], { seed: 1 })), k = keep(randn([B, H, L, D], { seed: 2 })), v = keep(randn([B, H, L, D], { seed: 3 }));
const out = keep(Tensor.empty([B, H, L, D])); const stats = keep(Tensor.empty([B * H * L, 4]));
const lay = (t: Tensor) => ({ off: t.offset, sb: t.strides[0]!, sh: t.strides[1]!, sl: t.strides[2]!, sx: t.strides[3]! });
const none = { off: 0, n: 1, sb: 0, sh: 0, sq: 0, sk: 0 };
const spec = rowwiseForwardKernel(D, D);
const go = () => eng.stream.dispatch1D(spec, [q, k, v, q, q, out, stats].map((t) => ({ buffer: t.buffer })), {
  heads: H, lq: L, lk: L, rows_total: B * H * L, scale: 1 / Math.sqrt(D), has_bias: 0, mask_kind: 0,
  ...operandValues('q', lay(q)), ...operandValues('k', lay(k)), ...operandValues('v', lay(v)), ...operandValues('o', lay(out)), ...termValues('bias', none), ...termValues('mask', none) }, B * H * L);
let t0 = performance.now(); go(); await eng.sync(); console.log('first', performance.now() - t0);
console.log('ms', await timeGpu(go, 5));
const ref = attentionReference({ dims: { B, H, Lq: L, Lk: L, D, Dv: D }, q: await q.data(), k: await k.data(), v: await v.data(), scale: 1 / Math.sqrt(D) }).out;
const got = await out.data(); let e = 0; for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i]! - ref[i]!)); console.log('err', e);
process.exit(0);
