/**
 * The resolution shift of simple diffusion (Hoogeboom et al. 2023, "simple diffusion", Sec.
 * 3.1): averaging 2x2 pixels keeps the signal and halves the noise std of i.i.d. noise, so a
 * noise level seen one level down (side / 2) has sigma / 2, i.e. logSNR + 2 ln 2. A schedule
 * tuned at side `base` is shifted for side `d` by multiplying sigma by `d / base`.
 */
import { ConfigError } from '@upshift/core';

const LN4 = 2 * Math.LN2;

function checkLevel(level: number, field: string): void {
  if (!Number.isInteger(level) || level < 0) throw new ConfigError(field, level, 'must be a non-negative integer');
}

/** logSNR of a noise level moved from `fromLevel` to `toLevel` (+2 ln 2 per level down). */
export function logSnrAtLevel(logSnr: number, fromLevel: number, toLevel: number): number {
  checkLevel(fromLevel, 'fromLevel');
  checkLevel(toLevel, 'toLevel');
  return logSnr + LN4 * (toLevel - fromLevel);
}

/** sigma of a noise level moved from `fromLevel` to `toLevel` (halves per level down). */
export function sigmaBetweenLevels(sigma: number, fromLevel: number, toLevel: number): number {
  checkLevel(fromLevel, 'fromLevel');
  checkLevel(toLevel, 'toLevel');
  return sigma * 2 ** (fromLevel - toLevel);
}

/** A full-resolution sigma grid as seen at `level` (every sigma / 2^level; 0 stays 0). */
export function sigmasAtLevel(sigmas: readonly number[], level: number): number[] {
  checkLevel(level, 'level');
  const f = 2 ** level;
  return sigmas.map((s) => s / f);
}

/**
 * simple diffusion's shift factor for running a schedule tuned at side `baseSide` at side
 * `side`: multiply sigma by `side / baseSide` (logSNR + 2 ln(baseSide / side)).
 */
export function resolutionShift(baseSide: number, side: number): number {
  if (!(baseSide > 0)) throw new ConfigError('baseSide', baseSide, 'must be > 0');
  if (!(side > 0)) throw new ConfigError('side', side, 'must be > 0');
  return side / baseSide;
}
