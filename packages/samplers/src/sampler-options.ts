/**
 * Option parsing shared by the samplers: the registry passes untrusted JSON, and every bad
 * field becomes a `ConfigError` naming `samplerOptions.<field>` and the value.
 */
import { ConfigError } from '@upshift/core';

/** Field-name prefix the registry uses. */
export const SAMPLER_OPTIONS_FIELD = 'samplerOptions';

/** Joins a prefix and a key (`"" + "eta"` -> `"eta"`). */
export function fieldName(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** Checks that `options` is an object (or undefined) with only `known` keys. */
export function optionsRecord(options: unknown, prefix: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError(prefix || 'options', options, 'must be an object');
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new ConfigError(fieldName(prefix, key), record[key], known.length ? `unknown option; known: ${known.join(', ')}` : 'this sampler takes no options');
    }
  }
  return record;
}

/** Reads a number in [min, max] (default when absent). */
export function readNumberIn(record: Record<string, unknown>, key: string, prefix: string, fallback: number, min: number, max: number): number {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new ConfigError(fieldName(prefix, key), value, `must be a number in [${min}, ${max}]`);
  }
  return value;
}

/** Reads one of `choices` (default when absent). */
export function readChoice<T extends string>(record: Record<string, unknown>, key: string, prefix: string, fallback: T, choices: readonly T[]): T {
  const value = record[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(fieldName(prefix, key), value, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  return value as T;
}
