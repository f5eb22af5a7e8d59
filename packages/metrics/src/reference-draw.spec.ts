import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { drawClassMatchedReference, labelCounts, takeImages } from './reference-draw.js';

// A pool shaped like the emoji held-out split: very uneven classes (class 5 dominates, class 0 has 9).
const sizes = [9, 13, 25, 10, 36, 257, 16, 28, 17];
const poolLabels = Int32Array.from(sizes.flatMap((n, c) => Array.from({ length: n }, () => c)));
// Shuffle the pool so that class-matching cannot come from file order.
for (let i = poolLabels.length - 1, s = 7; i > 0; i--) {
  s = (s * 1103515245 + 12345) % 2147483648;
  const j = s % (i + 1);
  [poolLabels[i], poolLabels[j]] = [poolLabels[j]!, poolLabels[i]!];
}
/** 36 generated images, one per class and seed (4 seeds), as `compare --images 36 --class all` makes them. */
const target = Array.from({ length: 36 }, (_, i) => i % 9);

const histogram = (indices: readonly number[]): number[] => {
  const h = new Array<number>(9).fill(0);
  for (const i of indices) h[poolLabels[i]!]!++;
  return h;
};

describe('drawClassMatchedReference', () => {
  it('matches the class histogram of the generated labels (times the multiple), without repeats within a draw', () => {
    for (const multiple of [1, 2]) {
      const draws = drawClassMatchedReference(poolLabels, target, { seed: 3, draws: 5, multiple });
      expect(draws).toHaveLength(5);
      for (const d of draws) {
        expect(histogram(d)).toEqual(new Array(9).fill(4 * multiple));
        expect(new Set(d).size).toBe(d.length);
        expect(d.every((i) => Number.isInteger(i) && i >= 0 && i < poolLabels.length)).toBe(true);
      }
    }
    // Uneven generated labels are matched too.
    const uneven = [5, 5, 5, 0, 2];
    const [d] = drawClassMatchedReference(poolLabels, uneven, { draws: 1 });
    expect(histogram(d!)).toEqual([1, 0, 1, 0, 0, 3, 0, 0, 0]);
  });

  it('is seeded: the same seed gives the same draws, another seed other draws, and draws differ from each other', () => {
    const a = drawClassMatchedReference(poolLabels, target, { seed: 11, draws: 4 });
    const b = drawClassMatchedReference(poolLabels, target, { seed: 11, draws: 4 });
    const c = drawClassMatchedReference(poolLabels, target, { seed: 12, draws: 4 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(new Set(a.map((d) => d.join(','))).size).toBe(4);
    // Fewer draws are a prefix of more draws with the same seed.
    expect(drawClassMatchedReference(poolLabels, target, { seed: 11, draws: 2 })).toEqual(a.slice(0, 2));
  });

  it('covers a class with many images over the draws (not its first images in file order)', () => {
    const draws = drawClassMatchedReference(poolLabels, [5], { seed: 0, draws: 200 });
    const seen = new Set(draws.map((d) => d[0]));
    expect(seen.size).toBeGreaterThan(100);
  });

  it('draws unconditional slots (null labels) from any class', () => {
    const draws = drawClassMatchedReference(poolLabels, [null, null, null, 0], { seed: 1, draws: 20, multiple: 2 });
    for (const d of draws) {
      expect(d).toHaveLength(8);
      expect(new Set(d).size).toBe(8);
      expect(histogram(d)[0]).toBeGreaterThanOrEqual(2);
    }
    const classes = new Set(draws.flatMap((d) => d.map((i) => poolLabels[i])));
    expect(classes.size).toBeGreaterThan(4);
  });

  it('rejects a class with too few images and bad options with ConfigError, naming the class', () => {
    expect(() => drawClassMatchedReference(poolLabels, target, { multiple: 3 })).toThrow(/class 0.*has 9 reference images, 12 needed/);
    expect(() => drawClassMatchedReference(poolLabels, [42])).toThrow(/class 42/);
    expect(() => drawClassMatchedReference(poolLabels, target, { draws: 0 })).toThrow(/reference.draws/);
    expect(() => drawClassMatchedReference(poolLabels, target, { seed: -1 })).toThrow(/reference.seed/);
    expect(() => drawClassMatchedReference([], target)).toThrow(ConfigError);
    expect(() => drawClassMatchedReference(poolLabels, [])).toThrow(/targetLabels/);
  });

  it('counts labels', () => {
    expect([...labelCounts([1, null, 1, 2]).entries()]).toEqual([[1, 2], [null, 1], [2, 1]]);
  });
});

describe('takeImages', () => {
  it('gathers the images at the indices, in order', () => {
    const batch: ImageBatch = { data: Float32Array.from({ length: 3 * 2 * 2 * 1 }, (_, i) => i), shape: [3, 2, 2, 1] };
    const t = takeImages(batch, [2, 0, 2]);
    expect(t.shape).toEqual([3, 2, 2, 1]);
    expect(Array.from(t.data)).toEqual([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    expect(() => takeImages(batch, [3])).toThrow(/indices/);
  });
});
