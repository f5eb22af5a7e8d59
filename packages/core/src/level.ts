/**
 * Resolution levels. Level k runs at side `R / 2^k` of the target resolution R; level 0 is
 * full resolution. Moving down one level (2x2 pooling with orthogonal rows) halves the
 * per-pixel noise sigma, so a run's full-resolution sigma `s` is seen at level k as `s / 2^k`.
 */

import { ConfigError } from './errors.js';

/** A resolution level: 0 = full resolution, k = side divided by 2^k. */
export type ResolutionLevel = number;

/** Height and width of an image or latent, in pixels. */
export interface Resolution {
  readonly height: number;
  readonly width: number;
}

/** Side lengths at `level` for a full resolution `full`. Throws if not divisible. */
export function resolutionAtLevel(full: Resolution, level: ResolutionLevel): Resolution {
  const f = 2 ** level;
  if (!Number.isInteger(level) || level < 0) throw new ConfigError('level', level, 'must be a non-negative integer');
  if (full.height % f !== 0) throw new ConfigError('resolution.height', full.height, `not divisible by 2^${level} = ${f}`);
  if (full.width % f !== 0) throw new ConfigError('resolution.width', full.width, `not divisible by 2^${level} = ${f}`);
  return { height: full.height / f, width: full.width / f };
}

/** Per-pixel sigma seen at `level` for a full-resolution sigma (sigma / 2^level). */
export function sigmaAtLevel(fullSigma: number, level: ResolutionLevel): number {
  return fullSigma / 2 ** level;
}

/** Full-resolution sigma equivalent of a per-pixel sigma at `level` (sigma * 2^level). */
export function sigmaAtFull(levelSigma: number, level: ResolutionLevel): number {
  return levelSigma * 2 ** level;
}

/** Largest level whose sides are still integers and at least `minSide` pixels. */
export function maxLevelFor(full: Resolution, minSide = 1): ResolutionLevel {
  let k = 0;
  while (full.height % 2 ** (k + 1) === 0 && full.width % 2 ** (k + 1) === 0 && full.height / 2 ** (k + 1) >= minSide && full.width / 2 ** (k + 1) >= minSide) k++;
  return k;
}
