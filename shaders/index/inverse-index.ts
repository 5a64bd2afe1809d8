/**
 * The inverse of a many-to-one index, for scatter-adds that must sum in a fixed order.
 *
 * Sources i in [0, n) each name a destination dest[i] (read at `dest_offset + i·dest_stride`; any
 * value ≥ `bound` — an out-of-range or negative index, or the NONE sentinel — names none). The
 * inverse index lists, for every destination d, its sources in increasing order:
 * keys[ends[d−1] .. ends[d]) (ends[−1] = 0). A scatter-add then becomes a gather: one invocation
 * per destination sums its sources in that order, so the float sum is bit-identical every run,
 * unlike compare-and-swap float adds whose order depends on scheduling.
 *
 * Built in four steps, none of which depends on scheduling in its result:
 * 1. count: counts[d] += 1 per source (u32 atomics: integer sums are order-independent);
 * 2. ends = inclusive cumsum of counts (the i32 scan in cumsum.ts);
 * 3. place: slot = ends[d] − atomicSub(counts[d], 1) walks each bucket from its end; which source
 *    lands in which slot varies between runs, the set of a bucket does not (counts end at 0);
 * 4. sort: one invocation per bucket sorts it by source id — insertion sort for small buckets
 *    (cheap when placement left them nearly ordered), heapsort above SORT_SMALL so a bucket of
 *    k sources costs O(k log k) at worst.
 */
import { type KernelSpec, kernel } from '../../engine/kernel.js';
import { flatEntryWgsl } from '../core/wgsl-snippets.js';

/** dest value naming no destination (any value ≥ the bound does; this one always is). */
export const NO_DESTINATION = 0xffffffff;

/** Buckets up to this size are insertion-sorted; larger ones heap-sorted. */
export const SORT_SMALL = 32;

const destParams = [
  { name: 'n', type: 'u32' },
  { name: 'dest_offset', type: 'u32' },
  { name: 'dest_stride', type: 'u32' },
  { name: 'bound', type: 'u32' },
] as const;

/** counts[dest[i]] += 1 for every source with a destination (counts zeroed beforehand). */
export const inverseIndexCountKernel: KernelSpec = kernel({
  name: 'inverse_index_count',
  bindings: [
    { name: 'dest', type: 'u32', access: 'read' },
    { name: 'counts', type: 'atomic<u32>', access: 'read_write' },
  ],
  params: [...destParams],
  workgroupSize: [256, 1, 1],
  body: `
${flatEntryWgsl()}
  let d = dest[params.dest_offset + i * params.dest_stride];
  if (d < params.bound) { atomicAdd(&counts[d], 1u); }
}
`,
});

/** keys[slot] = i with slot counted down from ends[d]; leaves counts at zero. */
export const inverseIndexPlaceKernel: KernelSpec = kernel({
  name: 'inverse_index_place',
  bindings: [
    { name: 'dest', type: 'u32', access: 'read' },
    { name: 'ends', type: 'u32', access: 'read' },
    { name: 'counts', type: 'atomic<u32>', access: 'read_write' },
    { name: 'keys', type: 'u32', access: 'read_write' },
  ],
  params: [...destParams],
  workgroupSize: [256, 1, 1],
  body: `
${flatEntryWgsl()}
  let d = dest[params.dest_offset + i * params.dest_stride];
  if (d < params.bound) { keys[ends[d] - atomicSub(&counts[d], 1u)] = i; }
}
`,
});

/** WGSL `fn bucket_range(b: u32) -> vec2<u32>`: [start, end) of bucket b in `keys`. */
export const bucketRangeFn = `
fn bucket_range(b: u32) -> vec2<u32> {
  var start = 0u;
  if (b > 0u) { start = ends[b - 1u]; }
  return vec2<u32>(start, ends[b]);
}
`;

/** Sorts every bucket of `keys` ascending (keys are distinct source ids). */
export const inverseIndexSortKernel: KernelSpec = kernel({
  name: 'inverse_index_sort',
  bindings: [
    { name: 'ends', type: 'u32', access: 'read' },
    { name: 'keys', type: 'u32', access: 'read_write' },
  ],
  params: [{ name: 'n', type: 'u32' }],
  workgroupSize: [64, 1, 1],
  body: `
${bucketRangeFn}
/** Restores the max-heap below \`root\` in keys[base .. base + count). */
fn sift_down(base: u32, first: u32, count: u32) {
  var root = first;
  loop {
    var child = 2u * root + 1u;
    if (child >= count) { break; }
    if (child + 1u < count && keys[base + child + 1u] > keys[base + child]) { child += 1u; }
    let top = keys[base + root];
    let below = keys[base + child];
    if (top >= below) { break; }
    keys[base + root] = below;
    keys[base + child] = top;
    root = child;
  }
}

${flatEntryWgsl('b')}
  let range = bucket_range(b);
  let base = range.x;
  let len = range.y - range.x;
  if (len < 2u) { return; }
  if (len <= ${SORT_SMALL}u) {
    for (var i = 1u; i < len; i++) {
      let key = keys[base + i];
      var j = i;
      loop {
        if (j == 0u) { break; }
        let prev = keys[base + j - 1u];
        if (prev <= key) { break; }
        keys[base + j] = prev;
        j -= 1u;
      }
      keys[base + j] = key;
    }
    return;
  }
  for (var s = len / 2u; s > 0u; s--) { sift_down(base, s - 1u, len); }
  for (var last = len - 1u; last > 0u; last--) {
    let top = keys[base];
    keys[base] = keys[base + last];
    keys[base + last] = top;
    sift_down(base, 0u, last);
  }
}
`,
});

/**
 * The inverse index on the CPU (a stable counting sort): ends (inclusive) and keys, as the
 * kernels must produce them.
 */
export function inverseIndexReference(
  dest: ArrayLike<number>,
  bound: number,
): { ends: number[]; keys: number[] } {
  const buckets: number[][] = Array.from({ length: bound }, () => []);
  for (let i = 0; i < dest.length; i++) {
    const d = dest[i]!;
    if (d >= 0 && d < bound) buckets[d]!.push(i);
  }
  const ends: number[] = [];
  let total = 0;
  for (const b of buckets) {
    total += b.length;
    ends.push(total);
  }
  return { ends, keys: buckets.flat() };
}
