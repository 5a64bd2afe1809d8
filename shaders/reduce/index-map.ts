/**
 * A named strided index map for reduction-style kernels: `fn <name>_index(linear) -> u32` maps
 * a row-major linear index over its own dims (`params.<name>_dim<i>`) to an element index
 * (`params.<name>_offset` + Σ coord·`params.<name>_stride<i>`). Unlike shaders/core/strided.ts,
 * several maps with different dims can live in one kernel (rows and reduced columns).
 */
import type { ParamField } from '../../engine/kernel.js';

export function indexMapParams(name: string, rank: number): ParamField[] {
  const fields: ParamField[] = [{ name: `${name}_offset`, type: 'u32' }];
  for (let i = 0; i < rank; i++) {
    fields.push({ name: `${name}_dim${i}`, type: 'u32' }, { name: `${name}_stride${i}`, type: 'u32' });
  }
  return fields;
}

export function indexMapFn(name: string, rank: number): string {
  const lines = [
    `fn ${name}_index(linear: u32) -> u32 {`,
    '  var rest = linear;',
    `  var idx = params.${name}_offset;`,
  ];
  for (let i = rank - 1; i > 0; i--) {
    lines.push(`  idx += (rest % params.${name}_dim${i}) * params.${name}_stride${i};`);
    lines.push(`  rest = rest / params.${name}_dim${i};`);
  }
  lines.push(`  idx += rest * params.${name}_stride0;`, '  return idx;', '}');
  return lines.join('\n');
}

export interface IndexMap {
  offset: number;
  dims: readonly number[];
  strides: readonly number[];
}

export function indexMapValues(name: string, map: IndexMap): Record<string, number> {
  const v: Record<string, number> = { [`${name}_offset`]: map.offset };
  map.dims.forEach((d, i) => {
    v[`${name}_dim${i}`] = d;
    v[`${name}_stride${i}`] = map.strides[i]!;
  });
  return v;
}

/** Merges dims that are contiguous with each other (row-major order kept); drops size-1 dims. */
export function compactMap(offset: number, dims: readonly number[], strides: readonly number[]): IndexMap {
  const d: number[] = [];
  const s: number[] = [];
  dims.forEach((size, i) => {
    if (size === 1) return;
    const last = d.length - 1;
    if (last >= 0 && s[last] === strides[i]! * size) {
      d[last] = d[last]! * size;
      s[last] = strides[i]!;
    } else {
      d.push(size);
      s.push(strides[i]!);
    }
  });
  if (d.length === 0) return { offset, dims: [1], strides: [0] };
  return { offset, dims: d, strides: s };
}

/** CPU reference of the map. */
export function indexMapReference(map: IndexMap, linear: number): number {
  let rest = linear;
  let idx = map.offset;
  for (let i = map.dims.length - 1; i >= 0; i--) {
    idx += (rest % map.dims[i]!) * map.strides[i]!;
    rest = Math.floor(rest / map.dims[i]!);
  }
  return idx;
}

/**
 * Pads a map with leading size-1 dims up to the next rank in `buckets`, so a few compiled
 * variants serve every rank (each variant is a slow pipeline compile on some adapters).
 */
export function padMap(map: IndexMap, buckets: readonly number[]): IndexMap {
  const rank = buckets.find((b) => b >= map.dims.length) ?? map.dims.length;
  const extra = rank - map.dims.length;
  if (extra === 0) return map;
  return {
    offset: map.offset,
    dims: [...new Array<number>(extra).fill(1), ...map.dims],
    strides: [...new Array<number>(extra).fill(0), ...map.strides],
  };
}

/** Rank buckets: row maps are evaluated once per row (padding is cheap), column maps per element. */
export const ROW_RANKS = [1, 4, 8] as const;
export const COL_RANKS = [1, 2, 4, 8] as const;
