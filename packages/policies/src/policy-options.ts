/**
 * Option parsing shared by the policies. Every bad option is a `ConfigError` naming the field
 * relative to the pipeline config (`policyOptions.<field>`) and the value. Switch points are
 * noise levels: `{ sigma }` (full-resolution sigma), `{ logSnr }`, or `{ t }` converted through
 * the run's schedule (`tToSigma`), never raw t.
 */
import { ConfigError, logSnrToSigma } from '@upshift/core';
import type { PolicyContext, PowerSpectrum, ResolutionLevel } from '@upshift/core';

/** Prefix of every policy option field in a pipeline config. */
export const POLICY_OPTIONS_FIELD = 'policyOptions';

/** A switch point as a noise level: exactly one of the three forms. */
export interface NoiseThreshold {
  /** Full-resolution sigma. */
  readonly sigma?: number;
  /** logSNR = -2 ln sigma. */
  readonly logSnr?: number;
  /** The schedule's own time in (0, 1), converted with `ctx.schedule.tToSigma`. */
  readonly t?: number;
}

/** `policyOptions.<path>`. */
export function field(path: string): string {
  return `${POLICY_OPTIONS_FIELD}.${path}`;
}

/** Checks that `options` is an object (or absent) with only `known` keys. */
export function optionsRecord(options: unknown, known: readonly string[], at = POLICY_OPTIONS_FIELD): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError(at, options, 'must be an object');
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${at}.${key}`, record[key], `unknown option; known: ${known.length ? known.join(', ') : '(none)'}`);
    }
  }
  return record;
}

/** Reads a finite number in [min, max] (or the fallback when absent). */
export function readNumber(
  record: Record<string, unknown>,
  key: string,
  at: string,
  fallback: number | undefined,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number | undefined {
  const value = record[key];
  if (value === undefined) return fallback;
  const name = `${at}.${key}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(name, value, 'must be a finite number');
  const { min, max, minExclusive } = range;
  if (min !== undefined && (minExclusive ? value <= min : value < min)) {
    throw new ConfigError(name, value, `must be ${minExclusive ? '>' : '>='} ${min}${max === undefined ? '' : ` and <= ${max}`}`);
  }
  if (max !== undefined && value > max) throw new ConfigError(name, value, `must be <= ${max}`);
  return value;
}

/** Reads a level option: an integer >= `min` (checked against ctx.maxLevel later). */
export function readLevel(record: Record<string, unknown>, key: string, at: string, fallback: number | undefined, min = 1): number | undefined {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${at}.${key}`, value, `must be an integer >= ${min}`);
  }
  return value;
}

/** Throws unless `level <= ctx.maxLevel`. */
export function checkMaxLevel(name: string, level: ResolutionLevel, ctx: PolicyContext): void {
  if (level > ctx.maxLevel) {
    throw new ConfigError(
      name,
      level,
      `exceeds the deepest level this run allows (maxLevel ${ctx.maxLevel} for ${ctx.resolution.height}x${ctx.resolution.width})`,
    );
  }
}

/** Reads a {@link NoiseThreshold} from `record` (sigma / logSnr / t keys); undefined if none. */
export function readThreshold(record: Record<string, unknown>, at: string): NoiseThreshold | undefined {
  const given = (['sigma', 'logSnr', 't'] as const).filter((k) => record[k] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new ConfigError(`${at}.${given[1]}`, record[given[1] as string], `give only one of sigma, logSnr, t (also got ${given[0]})`);
  const key = given[0] as 'sigma' | 'logSnr' | 't';
  if (key === 'sigma') return { sigma: readNumber(record, 'sigma', at, undefined, { min: 0, minExclusive: true }) as number };
  if (key === 'logSnr') return { logSnr: readNumber(record, 'logSnr', at, undefined) as number };
  const t = readNumber(record, 't', at, undefined, { min: 0, minExclusive: true, max: 1 }) as number;
  if (t >= 1) throw new ConfigError(`${at}.t`, t, 'must be in (0, 1)');
  return { t };
}

/** The full-resolution sigma of a threshold; `t` needs a schedule with `tToSigma`. */
export function thresholdSigma(threshold: NoiseThreshold, at: string, ctx: PolicyContext): number {
  if (threshold.sigma !== undefined) return threshold.sigma;
  if (threshold.logSnr !== undefined) return logSnrToSigma(threshold.logSnr);
  const t = threshold.t as number;
  const schedule = ctx.schedule;
  if (!schedule?.tToSigma) {
    throw new ConfigError(`${at}.t`, t, `the schedule ${schedule ? `"${schedule.name}"` : '(none)'} has no notion of t; give sigma or logSnr`);
  }
  const sigma = schedule.tToSigma(t);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new ConfigError(`${at}.t`, t, `maps to sigma ${sigma}, which is not a finite positive number`);
  return sigma;
}

/** Throws unless the sigma grid is `steps + 1` finite values, non-increasing, ending in 0. */
export function checkSigmas(sigmas: readonly number[]): void {
  if (sigmas.length < 2) throw new ConfigError('sigmas', sigmas, 'need at least one step (two sigmas)');
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i] as number;
    if (!Number.isFinite(s) || s < 0 || (i > 0 && s > (sigmas[i - 1] as number))) {
      throw new ConfigError(`sigmas[${i}]`, s, 'the grid must be finite, non-negative and non-increasing');
    }
  }
}

/**
 * Validates a {@link PowerSpectrum} given as JSON: non-empty levels, matching frequency and
 * power arrays, ascending frequencies in [0, 0.75], non-negative power, some power above f = 0.
 */
export function validateSpectrum(name: string, value: unknown): PowerSpectrum {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(name, value, 'must be a power spectrum { source, downOperator, pixelVariance, levels }');
  }
  const spectrum = value as Partial<PowerSpectrum>;
  if (!Array.isArray(spectrum.levels) || spectrum.levels.length === 0) {
    throw new ConfigError(`${name}.levels`, spectrum.levels, 'must be a non-empty array (the spectrum is empty)');
  }
  spectrum.levels.forEach((level, i) => {
    const at = `${name}.levels[${i}]`;
    if (typeof level !== 'object' || level === null) throw new ConfigError(at, level, 'must be an object');
    if (typeof level.side !== 'number' || !Number.isInteger(level.side) || level.side < 1) {
      throw new ConfigError(`${at}.side`, level.side, 'must be a positive integer');
    }
    const f = level.frequencies;
    const p = level.power;
    if (!Array.isArray(f) || f.length === 0) throw new ConfigError(`${at}.frequencies`, f, 'must be a non-empty array');
    if (!Array.isArray(p) || p.length !== f.length) throw new ConfigError(`${at}.power`, p, `must be as long as frequencies (${f.length})`);
    for (let j = 0; j < f.length; j++) {
      const fj = f[j];
      if (typeof fj !== 'number' || !Number.isFinite(fj) || fj < 0 || fj > 0.75 || (j > 0 && fj <= (f[j - 1] as number))) {
        throw new ConfigError(`${at}.frequencies[${j}]`, fj, 'must be ascending numbers in [0, 0.75] (cycles per pixel)');
      }
      const pj = p[j];
      if (typeof pj !== 'number' || !Number.isFinite(pj) || pj < 0) throw new ConfigError(`${at}.power[${j}]`, pj, 'must be a finite number >= 0');
    }
    if (!f.some((fj, j) => fj > 0 && (p[j] as number) > 0)) throw new ConfigError(`${at}.power`, p, 'has no power above f = 0');
  });
  return spectrum as PowerSpectrum;
}

/** The spectrum a policy uses: its option, else `ctx.spectrum`, else a ConfigError. */
export function spectrumFor(option: PowerSpectrum | undefined, ctx: PolicyContext, policy: string): PowerSpectrum {
  const s = option ?? ctx.spectrum;
  if (!s) {
    throw new ConfigError(field('spectrum'), undefined, `the ${policy} policy needs the data power spectrum (from the model config or policyOptions.spectrum)`);
  }
  return option ? s : validateSpectrum('spectrum', s);
}
