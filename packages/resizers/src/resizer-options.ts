/**
 * Option parsing shared by the resizer factories: every bad option becomes a `ConfigError`
 * naming the field relative to the pipeline config (`resizerOptions.<field>`) and the value.
 */
import { ConfigError } from '@upshift/core';
import type { PowerSpectrum } from '@upshift/core';

/** Prefix of every resizer option field in a pipeline config. */
export const RESIZER_OPTIONS_FIELD = 'resizerOptions';

/**
 * Checks that `options` is a plain object (or undefined / null) whose keys are all in `known`.
 * Unknown keys are errors, so a typo never silently falls back to a default.
 */
export function resizerOptionsRecord(options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(RESIZER_OPTIONS_FIELD, options, 'must be an object');
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new ConfigError(
        `${RESIZER_OPTIONS_FIELD}.${key}`,
        record[key],
        `unknown option; known: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
  }
  return record;
}

/** Throws unless `level` is a non-negative integer. */
export function checkLevel(field: string, level: unknown): asserts level is number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0) {
    throw new ConfigError(field, level, 'must be a non-negative integer');
  }
}

/**
 * Validates a {@link PowerSpectrum} given as untrusted JSON: at least one level, matching
 * `frequencies` / `power` arrays of finite numbers, frequencies ascending in [0, 0.75], power
 * non-negative with at least one positive value above f = 0.
 */
export function validateSpectrum(field: string, value: unknown): PowerSpectrum {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(field, value, 'must be a power spectrum object { source, downOperator, pixelVariance, levels }');
  }
  const spectrum = value as Partial<PowerSpectrum>;
  if (!Array.isArray(spectrum.levels) || spectrum.levels.length === 0) {
    throw new ConfigError(`${field}.levels`, spectrum.levels, 'must be a non-empty array of spectrum levels');
  }
  spectrum.levels.forEach((level, i) => {
    const at = `${field}.levels[${i}]`;
    if (typeof level !== 'object' || level === null) throw new ConfigError(at, level, 'must be an object');
    if (typeof level.side !== 'number' || !Number.isInteger(level.side) || level.side < 1) {
      throw new ConfigError(`${at}.side`, level.side, 'must be a positive integer');
    }
    const f = level.frequencies;
    const p = level.power;
    if (!Array.isArray(f) || f.length === 0) throw new ConfigError(`${at}.frequencies`, f, 'must be a non-empty array');
    if (!Array.isArray(p) || p.length !== f.length) {
      throw new ConfigError(`${at}.power`, p, `must be an array as long as frequencies (${f.length})`);
    }
    for (let j = 0; j < f.length; j++) {
      const fj = f[j];
      if (typeof fj !== 'number' || !Number.isFinite(fj) || fj < 0 || fj > 0.75) {
        throw new ConfigError(`${at}.frequencies[${j}]`, fj, 'must be a finite number in [0, 0.75] (cycles per pixel)');
      }
      if (j > 0 && fj <= (f[j - 1] as number)) {
        throw new ConfigError(`${at}.frequencies[${j}]`, fj, 'frequencies must be strictly ascending');
      }
      const pj = p[j];
      if (typeof pj !== 'number' || !Number.isFinite(pj) || pj < 0) {
        throw new ConfigError(`${at}.power[${j}]`, pj, 'must be a finite number >= 0');
      }
    }
    if (!f.some((fj, j) => fj > 0 && (p[j] as number) > 0)) {
      throw new ConfigError(`${at}.power`, p, 'must have positive power at some frequency above 0');
    }
  });
  return spectrum as PowerSpectrum;
}
