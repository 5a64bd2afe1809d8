import { startNodeEngine } from '../runners/node/engine.js';
import { attention, tensor, tidyAsync, backward, engine } from '../engine/index.js';
import { attentionReference, attentionBackwardReference } from '../shaders/attention/reference.js';

function rnd(seed: number) { let a = seed >>> 0; return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1; }; }
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>) { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; }

async function main() {
  const eng = await startNodeEngine(); (eng.gpu.report as { isCpu: boolean }).isCpu = false;
  const r = rnd(1);
  for (const [B, H, Lq, Lk, D, Dv, splits] of [[2, 2, 5, 7, 8, 8, 1], [1, 3, 40, 100, 32, 32, 1], [1, 2, 33, 150, 5, 7, 3], [2,1,3,70,16,16,2]]) {
    const q = Array.from({ length: B * H * Lq * D }, r), k = Array.from({ length: B * H * Lk * D }, r), v = Array.from({ length: B * H * Lk * Dv }, r);
    const bias = Array.from({ length: H * Lq * Lk }, r);
    const mask = Array.from({ length: B * H * Lq * Lk }, () => (r() > 0.3 ? 1 : 0));
    for (let j = 0; j < Lk; j++) mask[j] = 1; // row 0 fully blocked
    const go = Array.from({ length: B * H * Lq * Dv }, r);
    await tidyAsync(async () => {
      const tq = tensor(q, [B, H, Lq, D]), tk = tensor(k, [B, H, Lk, D]), tv = tensor(v, [B, H, Lk, Dv]);
      const tb = tensor(bias, [1, H, Lq, Lk]); const tm = tensor(mask, [B * H, Lq, Lk], 'u32');
      for (const x of [tq, tk, tv, tb]) x.requiresGrad = true;
      const t0 = performance.now();
      const out = attention(tq, tk, tv, { bias: tb, mask: tm, keySplits: splits });
      const got = await out.data();
      const t1 = performance.now();
      const inp = { dims: { B, H, Lq, Lk, D, Dv }, q, k, v, scale: 1 / Math.sqrt(D), terms: [{ data: bias, shape: [1, H, Lq, Lk] as [number, number, number, number] }], mask: { data: mask, shape: [B, H, Lq, Lk] as [number, number, number, number], kind: 'bool' as const } };
      const ref = attentionReference(inp);
      console.log(`fwd [${B},${H},${Lq},${Lk},${D},${Dv}] split ${splits}: err ${maxErr(got, ref.out).toExponential(2)} ${(t1 - t0).toFixed(1)}ms`);
      backward(out, tensor(go, out.shape));
      const g = attentionBackwardReference(inp, go);
      console.log('  dq', maxErr(await tq.grad!.data(), g.dq).toExponential(2), 'dk', maxErr(await tk.grad!.data(), g.dk).toExponential(2), 'dv', maxErr(await tv.grad!.data(), g.dv).toExponential(2), 'dbias', maxErr(await tb.grad!.data(), g.dterms[0]!).toExponential(2));
      const unf = await attention(tq, tk, tv, { bias: tb, mask: tm, implementation: 'unfused' }).data();
      console.log('  unfused err', maxErr(unf, ref.out).toExponential(2));
    });
  }
  await engine().sync();
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
