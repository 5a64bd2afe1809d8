import { startNodeEngine } from '../runners/node/engine.js';
import { attention, backward, engine, keep, randn, tensor, tidy } from '../engine/index.js';
const eng = await startNodeEngine();
const [B, H, Lq, Lk, D] = [1, 8, 100, 4096, 32];
const q = keep(randn([B, H, Lq, D], { seed: 1 })), k = keep(randn([B, H, Lk, D], { seed: 2 })), v = keep(randn([B, H, Lk, D], { seed: 3 }));
const md = new Uint32Array(B * H * Lq * Lk); for (let i = 0; i < md.length; i++) md[i] = (Math.imul(i, 2654435761) >>> 0) % 10 < 7 ? 1 : 0;
const mask = keep(tensor(md, [B * H, Lq, Lk], 'u32'));
const g = keep(randn([B, H, Lq, D], { seed: 4 }));
const mk = (impl: 'fused' | 'unfused', bwd: boolean, which?: 'q' | 'kv') => () => tidy(() => {
  q.requiresGrad = bwd && which !== 'kv'; k.requiresGrad = bwd && which !== 'q'; v.requiresGrad = k.requiresGrad;
  const o = attention(q, k, v, { mask, implementation: impl }); if (bwd) backward(o, g);
  for (const t of [q, k, v]) { t.grad?.dispose(); t.grad = null; } });
async function measure(fn: () => void, reps: number) {
  fn(); await engine().sync();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  await engine().sync();
  const c = process.cpuUsage(c0);
  return `wall ${((performance.now() - t0) / reps).toFixed(0)} cpu ${((c.user + c.system) / 1000 / reps).toFixed(0)}`;
}
for (let r = 0; r < 2; r++) {
  console.log('fused fwd     ', await measure(mk('fused', false), 3));
  console.log('fused fwd+dq  ', await measure(mk('fused', true, 'q'), 3));
  console.log('fused fwd+dkv ', await measure(mk('fused', true, 'kv'), 3));
  console.log('unfused fwd   ', await measure(mk('unfused', false), 3));
  console.log('unfused fwdbwd', await measure(mk('unfused', true), 3));
}
process.exit(0);
