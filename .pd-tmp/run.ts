import { readFileSync } from 'node:fs';
import { acquirePlatformDevice } from '#platform-gpu';
import { initEngine, parameter, tensor, tidyAsync, type Tensor, engine } from '../engine/index.js';
import type { FeatureName } from '../model/config/types.js';
import { MSDeformAttnPixelDecoder } from '../model/mask2former/pixel-decoder/index.js';
import { parseSafetensors } from '../engine/index.js';

const gpu = await acquirePlatformDevice();
initEngine(gpu);
const parsed = parseSafetensors(new Uint8Array(readFileSync('test/fixtures/parity/pixel_decoder.safetensors')));
const cfg = JSON.parse(parsed.metadata.config!);
const strides: Record<FeatureName, number> = { res2: 4, res3: 8, res4: 16, res5: 32 };
const names = Object.keys(cfg.features) as FeatureName[];
let t0 = performance.now();
const decoder = new MSDeformAttnPixelDecoder({
  inputShape: Object.fromEntries(names.map((f) => [f, { channels: cfg.features[f][0], stride: strides[f] }])),
  inFeatures: names, transformerInFeatures: cfg.transformer_in_features, convDim: cfg.conv_dim, maskDim: cfg.mask_dim,
  groupNormGroups: cfg.groups, encoder: { layers: cfg.layers, heads: cfg.heads, points: cfg.points, ffnDim: cfg.ffn_dim }, seed: 7,
}).eval();
await engine().sync();
console.log('build', performance.now() - t0);
const sd = new Map([...parsed.tensors].filter(([k]) => k.startsWith('sem_seg_head.pixel_decoder.')).map(([k, v]) => [k.slice('sem_seg_head.pixel_decoder.'.length), v]));
decoder.loadStateDict(sd);
await engine().sync();
console.log('loaded');
for (let rep = 0; rep < 2; rep++) {
  t0 = performance.now();
  await tidyAsync(async () => {
    const feats: Partial<Record<FeatureName, Tensor>> = {};
    for (const f of names) { const h = parsed.tensors.get(`input.${f}`)!; feats[f] = parameter(tensor(h.data, h.shape)); }
    const out = decoder.forward(feats);
    const d = await out.maskFeatures.data();
    const ref = parsed.tensors.get('output.mask_features')!.data;
    let m = 0; for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]! - ref[i]!));
    console.log('mask max diff', m);
    const { sum, mul, add, backward } = await import('../engine/index.js');
    let loss = sum(mul(out.maskFeatures, tensor(parsed.tensors.get('cotangent.mask_features')!.data, out.maskFeatures.shape)));
    out.multiScaleFeatures.forEach((t, l) => { const c = parsed.tensors.get(`cotangent.multi_scale.${l}`)!; loss = add(loss, sum(mul(t, tensor(c.data, c.shape)))); });
    console.log('loss built'); await engine().sync();
    backward(loss);
    console.log('backward recorded'); await engine().sync();
    for (const f of names) { const g = await feats[f]!.grad!.data(); const r = parsed.tensors.get(`grad.input.${f}`)!.data; let e = 0, sc = 0; for (let i = 0; i < g.length; i++) { e = Math.max(e, Math.abs(g[i]! - r[i]!)); sc = Math.max(sc, Math.abs(r[i]!)); } console.log('grad', f, e, sc); feats[f]!.grad!.dispose(); }
  });
  console.log('forward', performance.now() - t0);
}
