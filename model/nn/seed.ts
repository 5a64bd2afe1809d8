/**
 * Seeds for parameter init. Every module takes one integer seed; a parent derives its children's
 * seeds from its own and the child's name, so two modules of a tree never share a random stream
 * and adding a module does not reshuffle the others' init.
 */

/** A seed in [0, 2^53) that depends on `seed` and `name` (a 53-bit string hash). */
export function deriveSeed(seed: number, name: string): number {
  let h1 = 0x9e3779b9 ^ (seed >>> 0);
  let h2 = 0x85ebca6b ^ Math.floor(seed / 0x100000000);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x9e3779b1);
    h2 = Math.imul(h2 ^ c, 0x5f356495);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  return 0x100000000 * (h2 & 0x1fffff) + (h1 >>> 0);
}
