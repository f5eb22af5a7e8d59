/**
 * The classifier-free guidance scale of each step: one scale (`guidance`), optionally one per
 * level (`guidanceLevels`: the coarse levels of an upshifted run are other tasks than level 0
 * and may want another scale), and optionally only inside an interval of noise levels
 * (Kynkäänniemi et al. 2024, "Applying Guidance in a Limited Interval Improves Sample and
 * Distribution Quality in Diffusion Models": guidance at high noise pulls samples toward a few
 * modes, at low noise it does little; outside the interval the model runs once, unguided, so
 * those steps also cost half).
 */
import { ConfigError } from '@upshift/core';
import type { ResolutionLevel } from '@upshift/core';

/** Noise levels (full-resolution sigma) where guidance applies: `sigmaMin < sigma <= sigmaMax`. */
export interface GuidanceInterval {
  /** Lower end, exclusive (default 0). */
  readonly sigmaMin?: number;
  /** Upper end, inclusive (default: no upper end). */
  readonly sigmaMax?: number;
}

/** The guidance fields of a pipeline config. */
export interface GuidanceSettings {
  /** Scale w (1 = none). */
  readonly guidance?: number;
  /** Scale at level k (index k); levels beyond the list use `guidance`. */
  readonly guidanceLevels?: readonly number[];
  /** Steps whose full-resolution starting sigma is outside this interval run unguided. */
  readonly guidanceInterval?: GuidanceInterval;
}

/** Whether `sigma` (full resolution) lies in the interval (no interval: always). */
export function inGuidanceInterval(interval: GuidanceInterval | undefined, sigma: number): boolean {
  if (interval === undefined) return true;
  return sigma > (interval.sigmaMin ?? 0) && sigma <= (interval.sigmaMax ?? Number.POSITIVE_INFINITY);
}

/** The guidance scale of a step starting at full-resolution `sigma` at `level`. */
export function guidanceScaleAt(settings: GuidanceSettings, sigma: number, level: ResolutionLevel): number {
  if (!inGuidanceInterval(settings.guidanceInterval, sigma)) return 1;
  return settings.guidanceLevels?.[level] ?? settings.guidance ?? 1;
}

/** Checks the per-level scales against the deepest level a run can use. */
export function checkGuidanceLevels(settings: GuidanceSettings, maxLevel: ResolutionLevel): void {
  const levels = settings.guidanceLevels;
  if (levels !== undefined && levels.length > maxLevel + 1) {
    throw new ConfigError('guidanceLevels', levels, `has ${levels.length} entries but this run has levels 0..${maxLevel} only`);
  }
}
