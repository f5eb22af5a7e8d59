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

/** Directions projected per pass over the descriptors (register blocking: one pass per block, not per direction). */
const BLOCK = 8;

/** Mean over random unit directions of the 1-D W1 between the projected sets (same `dim` required). */
export function slicedWasserstein(a: DescriptorSet, b: DescriptorSet, options: Partial<SlicedWassersteinOptions> = {}): number {
  const { directions, seed } = { ...SLICED_WASSERSTEIN_DEFAULTS, ...options };
  if (!Number.isInteger(directions) || directions < 1) throw new ConfigError('swd.directions', directions, 'must be a positive integer');
  if (a.dim !== b.dim) throw new ConfigError('b.dim', b.dim, `must equal a.dim ${a.dim}`);
  const noise = createNoiseSource(seed).fork('swd-directions');
  const dim = a.dim;
  const projA = Array.from({ length: BLOCK }, () => new Float64Array(a.count));
  const projB = Array.from({ length: BLOCK }, () => new Float64Array(b.count));
  let sum = 0;
  for (let d0 = 0; d0 < directions; d0 += BLOCK) {
    const block = Math.min(BLOCK, directions - d0);
    const dirs: Float32Array[] = [];
    const norms: number[] = [];
    for (let j = 0; j < block; j++) {
      const dir = noise.normalArray(dim);
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += dir[k]! * dir[k]!;
      dirs.push(dir);
      norms.push(Math.sqrt(norm));
    }
    projectBlock(a, dirs, norms, projA);
    projectBlock(b, dirs, norms, projB);
    for (let j = 0; j < block; j++) {
      projA[j]!.sort();
      projB[j]!.sort();
      sum += wasserstein1Sorted(projA[j]!, projB[j]!);
    }
  }
  return sum / directions;
}

/**
 * Projects every descriptor on up to {@link BLOCK} directions in one pass (each dot product
 * summed in index order, so the result is the same as one direction at a time).
 */
function projectBlock(set: DescriptorSet, dirs: readonly Float32Array[], norms: readonly number[], out: readonly Float64Array[]): void {
  const { data, count, dim } = set;
  const n = dirs.length;
  if (n === BLOCK) {
    const [e0, e1, e2, e3, e4, e5, e6, e7] = dirs as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    for (let r = 0; r < count; r++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      const base = r * dim;
      for (let k = 0; k < dim; k++) {
        const v = data[base + k]!;
        s0 += v * e0[k]!;
        s1 += v * e1[k]!;
        s2 += v * e2[k]!;
        s3 += v * e3[k]!;
        s4 += v * e4[k]!;
        s5 += v * e5[k]!;
        s6 += v * e6[k]!;
        s7 += v * e7[k]!;
      }
      out[0]![r] = s0 / norms[0]!;
      out[1]![r] = s1 / norms[1]!;
      out[2]![r] = s2 / norms[2]!;
      out[3]![r] = s3 / norms[3]!;
      out[4]![r] = s4 / norms[4]!;
      out[5]![r] = s5 / norms[5]!;
      out[6]![r] = s6 / norms[6]!;
      out[7]![r] = s7 / norms[7]!;
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const dir = dirs[j]!;
    const o = out[j]!;
    for (let r = 0; r < count; r++) {
      let s = 0;
      const base = r * dim;
      for (let k = 0; k < dim; k++) s += data[base + k]! * dir[k]!;
      o[r] = s / norms[j]!;
    }
  }
}
