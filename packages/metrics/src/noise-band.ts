/**
 * The noise band of a distribution metric: how far the same metric moves between two (or more)
 * disjoint sets of the same generator — in Upshift, full-resolution runs with different seeds,
 * each measured against the same reference draws. A policy's difference from full resolution
 * means something only when it is larger than that band; "as good as full resolution" means
 * "inside the band". With few images the band is wide, and a comparison must say so rather than
 * claim a difference it cannot resolve (issue 15, "measure it right").
 */
import { ConfigError } from '@upshift/core';
import type { SwdDrawSummary } from './swd-over-draws.js';

/** The band at one pyramid level. */
export interface NoiseBandLevel {
  readonly side: number;
  /** Each set's mean over the reference draws. */
  readonly values: readonly number[];
  /** Their mean. */
  readonly mean: number;
  /** max - min of `values`: how much the metric moves from one set to another. */
  readonly width: number;
  /** `width / mean` (0 when the mean is 0). */
  readonly relative: number;
}

/** Noise band per pyramid level (finest first). */
export interface NoiseBand {
  readonly levels: readonly NoiseBandLevel[];
  /** Number of disjoint sets it was measured on. */
  readonly sets: number;
}

/** A difference from the baseline set, against the band, at one level. */
export interface BandCheck {
  readonly side: number;
  /** candidate mean - baseline mean (> 0: the candidate is further from the reference). */
  readonly difference: number;
  /** The band's width at this level. */
  readonly band: number;
  /** `|difference| / band` (Infinity for a zero band and a non-zero difference). */
  readonly ratio: number;
  /** True when `|difference|` exceeds the band: a difference the measurement resolves. */
  readonly resolved: boolean;
}

function checkSameLevels(sets: readonly SwdDrawSummary[], field: string): readonly number[] {
  const sides = sets[0]!.levels.map((l) => l.side);
  for (const s of sets) {
    if (s.levels.length !== sides.length || s.levels.some((l, k) => l.side !== sides[k])) {
      throw new ConfigError(field, s.levels.map((l) => l.side), `every set must have the levels ${sides.join('/')}`);
    }
  }
  return sides;
}

/** The band of `sets` (at least two disjoint sets of one generator, measured against the same draws). */
export function noiseBand(sets: readonly SwdDrawSummary[]): NoiseBand {
  if (sets.length < 2) throw new ConfigError('noiseBand.sets', sets.length, 'needs at least two disjoint sets');
  const sides = checkSameLevels(sets, 'noiseBand.sets');
  return {
    sets: sets.length,
    levels: sides.map((side, k) => {
      const values = sets.map((s) => s.levels[k]!.mean);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const width = Math.max(...values) - Math.min(...values);
      return { side, values, mean, width, relative: mean === 0 ? 0 : width / mean };
    }),
  };
}

/** Per level: the candidate's difference from the baseline, and whether it is outside the band. */
export function checkAgainstNoiseBand(candidate: SwdDrawSummary, baseline: SwdDrawSummary, band: NoiseBand): BandCheck[] {
  const sides = checkSameLevels([baseline, candidate], 'candidate.levels');
  if (band.levels.length !== sides.length || band.levels.some((l, k) => l.side !== sides[k])) {
    throw new ConfigError('band.levels', band.levels.map((l) => l.side), `must be the levels ${sides.join('/')}`);
  }
  return sides.map((side, k) => {
    const difference = candidate.levels[k]!.mean - baseline.levels[k]!.mean;
    const width = band.levels[k]!.width;
    const ratio = width > 0 ? Math.abs(difference) / width : difference === 0 ? 0 : Infinity;
    return { side, difference, band: width, ratio, resolved: Math.abs(difference) > width };
  });
}
