/**
 * A small seeded integer stream (SplitMix32) for choosing patch positions reproducibly.
 * Gaussian numbers come from core's `createNoiseSource`; this only draws integers.
 */

/** Returns a function giving integers uniform in `[0, n)` from a seed (n < 2^32). */
export function seededIntegers(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    const u = (t ^ (t >>> 15)) >>> 0;
    return Math.floor((u / 4294967296) * n);
  };
}
