/**
 * Sliced Wasserstein distance between two sets of descriptors (Rabin et al. 2011; the form of
 * Karras et al., ProGAN, `sliced_wasserstein`): project both sets on random unit directions,
 * and average the 1-D Wasserstein-1 distance between the projected empirical distributions.
 * Sets of different sizes are compared exactly through their quantile functions.
 */
import { ConfigError, createNoiseSource } from '@upshift/core';

/** A set of `count` descriptors of `dim` numbers each, row-major. */
export interface DescriptorSet {
  readonly data: Float64Array;
  readonly count: number;
  readonly dim: number;
}

/** Options of {@link slicedWasserstein}. */
export interface SlicedWassersteinOptions {
  /** Number of random directions (ProGAN: 4 repeats x 128). */
  readonly directions: number;
  /** Seed of the directions; the same seed gives the same distance. */
  readonly seed: number;
}

/** Defaults: 512 directions, seed 0. */
export const SLICED_WASSERSTEIN_DEFAULTS: SlicedWassersteinOptions = { directions: 512, seed: 0 };

/**
 * Wasserstein-1 distance between two 1-D empirical distributions given sorted samples:
 * the integral over u in (0, 1) of |Qa(u) - Qb(u)|. Equals mean |a_i - b_i| for equal sizes.
 */
export function wasserstein1Sorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new ConfigError('samples', n === 0 ? 'a' : 'b', 'must not be empty');
  let i = 0;
  let j = 0;
  let u = 0;
  let total = 0;
  while (i < n && j < m) {
    const nextA = (i + 1) / n;
    const nextB = (j + 1) / m;
    const next = Math.min(nextA, nextB);
    total += (next - u) * Math.abs(a[i]! - b[j]!);
    u = next;
    if (nextA <= next) i++;
    if (nextB <= next) j++;
  }
  return total;
}

/** Mean over random unit directions of the 1-D W1 between the projected sets (same `dim` required). */
export function slicedWasserstein(a: DescriptorSet, b: DescriptorSet, options: Partial<SlicedWassersteinOptions> = {}): number {
  const { directions, seed } = { ...SLICED_WASSERSTEIN_DEFAULTS, ...options };
  if (!Number.isInteger(directions) || directions < 1) throw new ConfigError('swd.directions', directions, 'must be a positive integer');
  if (a.dim !== b.dim) throw new ConfigError('b.dim', b.dim, `must equal a.dim ${a.dim}`);
  const noise = createNoiseSource(seed).fork('swd-directions');
  const dim = a.dim;
  const projA = new Float64Array(a.count);
  const projB = new Float64Array(b.count);
  let sum = 0;
  for (let d = 0; d < directions; d++) {
    const dir = noise.normalArray(dim);
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += dir[k]! * dir[k]!;
    norm = Math.sqrt(norm);
    project(a, dir, norm, projA);
    project(b, dir, norm, projB);
    projA.sort();
    projB.sort();
    sum += wasserstein1Sorted(projA, projB);
  }
  return sum / directions;
}

function project(set: DescriptorSet, dir: Float32Array, norm: number, out: Float64Array): void {
  const { data, count, dim } = set;
  for (let r = 0; r < count; r++) {
    let s = 0;
    const base = r * dim;
    for (let k = 0; k < dim; k++) s += data[base + k]! * dir[k]!;
    out[r] = s / norm;
  }
}
