import { readFileSync } from 'node:fs';
import { rleArea, rleIntersectionArea, toRle } from '../pointvis/rle/index.js';
const dir = process.argv[2]!; const gtFile = process.argv[3]!; const pseudoFiles = process.argv.slice(4);
const gt = JSON.parse(readFileSync(gtFile, 'utf8'));
const vids = new Map(gt.videos.map((v: any) => [v.id, v]));
const iou = (a: any, b: any, h: number, w: number) => {
  const A = a ? toRle(a, h, w, { file: '', field: '' }) : null; const B = b ? toRle(b, h, w, { file: '', field: '' }) : null;
  const aa = A ? rleArea(A) : 0, bb = B ? rleArea(B) : 0; if (aa + bb === 0) return null;
  const i = A && B ? rleIntersectionArea(A, B) : 0; return i / (aa + bb - i);
};
let oracle = 0, n = 0; const perObj = new Map<number, number[]>();
for (const ann of gt.annotations) {
  const v: any = vids.get(ann.video_id); const P = JSON.parse(readFileSync(`${dir}/video-${ann.video_id}.json`, 'utf8'));
  const scores = P.proposals.map((p: any) => {
    let s = 0, c = 0;
    ann.segmentations.forEach((seg: any, t: number) => { const m = p.masks[t] ? { size: [v.height, v.width], counts: p.masks[t] } : null; const x = iou(seg, m, v.height, v.width); if (x !== null) { s += x; c++; } });
    return c ? s / c : 0;
  });
  perObj.set(ann.id, scores);
  oracle += Math.max(...scores); n++;
}
console.log('oracle mean per-object IoU', (100 * oracle / n).toFixed(2), 'objects', n);
for (const f of pseudoFiles) {
  const ps = JSON.parse(readFileSync(f, 'utf8')); let s = 0, c = 0;
  for (const ann of gt.annotations) {
    const lab = ps.annotations.find((a: any) => a.id === ann.id); const v: any = vids.get(ann.video_id);
    let os = 0, oc = 0;
    ann.segmentations.forEach((seg: any, t: number) => { const x = iou(seg, lab?.segmentations?.[t] ?? null, v.height, v.width); if (x !== null) { os += x; oc++; } });
    s += oc ? os / oc : 0; c++;
  }
  console.log(f, 'per-object mIoU', (100 * s / c).toFixed(2));
}
{ let s = 0, c = 0;
  for (const ann of gt.annotations) {
    const v: any = vids.get(ann.video_id); const P = JSON.parse(readFileSync(`${dir}/video-${ann.video_id}.json`, 'utf8'));
    ann.segmentations.forEach((seg: any, t: number) => { if (!seg) return; let best = 0; for (const p of P.proposals) { const m = p.masks[t] ? { size: [v.height, v.width], counts: p.masks[t] } : null; const x = iou(seg, m, v.height, v.width); if (x !== null && x > best) best = x; } s += best; c++; });
  }
  console.log('per-frame oracle mIoU', (100 * s / c).toFixed(2), c);
}
