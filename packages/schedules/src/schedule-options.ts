/**
 * Validation helpers shared by the schedules: every bad option becomes a `ConfigError` that
 * names the field (with the caller's prefix, e.g. `scheduleOptions.sigmaMin`) and the value.
 */
import { ConfigError } from '@upshift/core';

/** Joins an option prefix and a field name (`"" + "rho"` -> `"rho"`). */
export function fieldName(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/**
 * Checks that `options` is a plain object (or undefined) whose keys are all in `known`, and
 * returns it as a record. Unknown keys are errors, so a typo never silently uses a default.
 */
export function optionsRecord(options: unknown, prefix: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(prefix || 'options', options, 'must be an object');
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new ConfigError(fieldName(prefix, key), record[key], `unknown option; known: ${known.join(', ')}`);
    }
  }
  return record;
}

/** Reads a finite number (or the default when absent). */
export function readNumber(record: Record<string, unknown>, key: string, prefix: string, fallback: number): number {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(fieldName(prefix, key), value, 'must be a finite number');
  }
  return value;
}

/** Reads an optional finite number (undefined when absent). */
export function readOptionalNumber(record: Record<string, unknown>, key: string, prefix: string): number | undefined {
  return record[key] === undefined ? undefined : readNumber(record, key, prefix, 0);
}

/** Throws unless `value > 0`. */
export function checkPositive(value: number, field: string): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(field, value, 'must be a finite number > 0');
}

/** Throws unless `sigmaMin < sigmaMax`, both positive. */
export function checkSigmaRange(sigmaMin: number, sigmaMax: number, prefix: string): void {
  checkPositive(sigmaMin, fieldName(prefix, 'sigmaMin'));
  checkPositive(sigmaMax, fieldName(prefix, 'sigmaMax'));
  if (sigmaMin >= sigmaMax) {
    throw new ConfigError(fieldName(prefix, 'sigmaMin'), sigmaMin, `must be < sigmaMax (${sigmaMax})`);
  }
}

/** Throws unless `steps` is an integer >= 1. */
export function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('steps', steps, 'must be an integer >= 1');
}

/** Throws unless `t` is a number in [0, 1]. */
export function checkT(t: number): void {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new ConfigError('t', t, 'must be in [0, 1]');
}

/** Throws unless `sigma` lies in [lo, hi]. */
export function checkSigmaIn(sigma: number, lo: number, hi: number): void {
  if (typeof sigma !== 'number' || !(sigma >= lo && sigma <= hi)) {
    throw new ConfigError('sigma', sigma, `must be in the schedule's range [${lo}, ${hi}]`);
  }
}

/** `n` evenly spaced numbers from `a` to `b` inclusive (`[a]` when n = 1). */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a + ((b - a) * i) / (n - 1));
  return out;
}
