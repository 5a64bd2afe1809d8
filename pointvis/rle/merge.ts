import type { Rle } from '../formats/types';

/**
 * Union (intersect = false) or intersection (intersect = true) of RLEs, exactly as pycocotools'
 * rleMerge: masks of different sizes give an empty RLE of size [0, 0] (the official YouTube-VIS
 * evaluator relies on this: such a frame adds 0 to both IoU sums), and so does an empty list.
 * The walk mirrors the C loop, including how it treats zero-length runs, so results match the
 * official evaluator bit for bit.
 */
export function rleMerge(rles: Rle[], intersect: boolean): Rle {
  if (rles.length === 0) return { size: [0, 0], counts: [] };
  const [h, w] = rles[0].size;
  let counts = rles[0].counts.slice();
  for (let i = 1; i < rles.length; i++) {
    const other = rles[i];
    if (other.size[0] !== h || other.size[1] !== w) return { size: [0, 0], counts: [] };
    counts = mergePair(counts, other.counts, intersect);
  }
  return { size: [h, w], counts };
}

function mergePair(a: readonly number[], b: readonly number[], intersect: boolean): number[] {
  const out: number[] = [];
  let ca = a.length > 0 ? a[0] : 0; // pixels left in the current run of a
  let cb = b.length > 0 ? b[0] : 0;
  let ia = 1;
  let ib = 1;
  let va = false;
  let vb = false;
  let v: boolean = false;
  let cc = 0; // length of the output run being built
  let remaining = 1;
  while (remaining > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    remaining = 0;
    ca -= c;
    if (ca === 0 && ia < a.length) {
      ca = a[ia++];
      va = !va;
    }
    remaining += ca;
    cb -= c;
    if (cb === 0 && ib < b.length) {
      cb = b[ib++];
      vb = !vb;
    }
    remaining += cb;
    const previous: boolean = v;
    v = intersect ? va && vb : va || vb;
    if (v !== previous || remaining === 0) {
      out.push(cc);
      cc = 0;
    }
  }
  return out;
}
