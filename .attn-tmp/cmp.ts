import { startNodeEngine } from '../runners/node/engine.js';
import { randn, Tensor, keep, attention, tidy, engine } from '../engine/index.js';
import { rowwiseForwardKernel } from '../shaders/attention/rowwise.js';
import { operandValues, termValues } from '../shaders/attention/layout.js';
const eng = await startNodeEngine();
const [B, H, L, D] = [64, 3, 49, 32];
const q = keep(randn([B, H, L, D], { seed: 1 })), k = keep(randn([B, H, L, D], { seed: 2 })), v = keep(randn([B, H, L, D], { seed: 3 }));
const out = keep(Tensor.empty([B, H, L, D])); const stats = keep(Tensor.empty([B * H * L, 4]));
const lay = (t: Tensor) => ({ off: t.offset, sb: t.strides[0]!, sh: t.strides[1]!, sl: t.strides[2]!, sx: t.strides[3]! });
const none = { off: 0, n: 1, sb: 0, sh: 0, sq: 0, sk: 0 };
const mk = (R: number) => { const spec = rowwiseForwardKernel(D, D, R); return () => eng.stream.dispatch1D(spec, [q, k, v, q, q, out, stats].map((t) => ({ buffer: t.buffer })), {
  heads: H, lq: L, lk: L, groups: Math.ceil(L / R), total: B * H * Math.ceil(L / R), scale: 1 / Math.sqrt(D), has_bias: 0, mask_kind: 0,
  ...operandValues('q', lay(q)), ...operandValues('k', lay(k)), ...operandValues('v', lay(v)), ...operandValues('o', lay(out)), ...termValues('bias', none), ...termValues('mask', none) }, B * H * Math.ceil(L / R)); };
const fns: Record<string, () => void> = {
  r1: mk(1), r2: mk(2), r4: mk(4),
  unfused: () => tidy(() => void attention(q, k, v, { implementation: 'unfused' })),
  tiled: () => tidy(() => void attention(q, k, v)),
};
async function measure(fn: () => void, reps: number) {
  fn(); await engine().sync();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / reps, (c.user + c.system) / 1000 / reps];
}
for (let r = 0; r < 2; r++) for (const [name, fn] of Object.entries(fns)) {
  const [wall, cpu] = await measure(fn, 5);
  console.log(name.padEnd(8), 'wall', wall!.toFixed(1), 'cpu', cpu!.toFixed(1));
}
process.exit(0);
