/** Work split over processes: shard i of n takes the videos whose position p has p % n == i. */
export interface Shard {
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** Parses `i/n` (0 ≤ i < n). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    throw new Error(`--shard: "${text}" is not i/n with 0 ≤ i < n (e.g. 0/4)`);
  }
  return { index, count };
}

export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index;
}

export function shardTag(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}`;
}
