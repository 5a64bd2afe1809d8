/**
 * A small counter-based pseudo-random generator: the n-th draw of a stream is a hash of
 * (stream key, n), so streams can be forked by label (`rng.fork('video', 3)`) and each video,
 * object or frame gets numbers that do not depend on how many draws other parts made: video 3 of a
 * split does not change when the split gets more videos, and generation order is irrelevant.
 */
export class Rng {
  private counter = 0;

  private constructor(
    private readonly keyLo: number,
    private readonly keyHi: number,
  ) {}

  /** A root stream from an integer seed (any safe integer, negative included). */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed ${seed} is not a safe integer`);
    const lo = seed >>> 0; // low 32 bits (two's complement for negatives)
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    return new Rng(mix32(lo ^ 0x5bd1e995), mix32(hi ^ 0x1b873593));
  }

  /** An independent stream named by labels; forking does not advance this stream. */
  fork(...labels: (string | number)[]): Rng {
    let lo = this.keyLo;
    let hi = this.keyHi;
    for (const label of labels) {
      const h = typeof label === 'number' ? hashNumber(label) : hashString(label);
      lo = mix32((lo ^ h) + 0x6a09e667);
      hi = mix32((hi + h) ^ lo);
    }
    return new Rng(lo, hi);
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const n = this.counter++;
    return mix32(mix32((n ^ this.keyLo) >>> 0) + this.keyHi);
  }

  /** Uniform in [0, 1), with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`empty integer range [${lo}, ${hi}]`);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  /** A standard normal draw (Box–Muller, one value per call). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A 32-bit integer finaliser with good avalanche (xor-shift / multiply rounds). */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h ^ text.length);
}

function hashNumber(value: number): number {
  if (Number.isSafeInteger(value)) return mix32((value >>> 0) ^ mix32(Math.floor(value / 2 ** 32) >>> 0));
  return hashString(String(value));
}
