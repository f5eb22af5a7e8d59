/**
 * Converters from raw command-line strings to typed values. Each failure is a ConfigError
 * naming the option as typed (`--steps`) and the raw value, so the CLI can print one line
 * (`Invalid --steps = "ten": must be an integer`) and exit with code 2.
 */
import { ConfigError } from '@upshift/core';

/** Bounds for {@link parseIntegerOption}. */
export interface IntegerBounds {
  readonly min?: number;
  readonly max?: number;
}

/** An integer option (decimal digits only: "1e3", "3.0" and "" are rejected). */
export function parseIntegerOption(flag: string, raw: string, bounds: IntegerBounds = {}): number {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) throw new ConfigError(flag, raw, 'must be an integer');
  const v = Number(text);
  if (!Number.isSafeInteger(v)) throw new ConfigError(flag, raw, 'is too large');
  if (bounds.min !== undefined && v < bounds.min) throw new ConfigError(flag, raw, `must be >= ${bounds.min}`);
  if (bounds.max !== undefined && v > bounds.max) throw new ConfigError(flag, raw, `must be <= ${bounds.max}`);
  return v;
}

/** A finite number option (decimal or exponent notation). */
export function parseNumberOption(flag: string, raw: string, bounds: IntegerBounds = {}): number {
  const text = raw.trim();
  const v = text === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new ConfigError(flag, raw, 'must be a finite number');
  if (bounds.min !== undefined && v < bounds.min) throw new ConfigError(flag, raw, `must be >= ${bounds.min}`);
  if (bounds.max !== undefined && v > bounds.max) throw new ConfigError(flag, raw, `must be <= ${bounds.max}`);
  return v;
}

/** A JSON object option such as `--policy-options '{"fraction":0.5}'`. */
export function parseJsonObjectOption(flag: string, raw: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(flag, raw, `is not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(flag, raw, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** One of a fixed set of strings. */
export function parseChoiceOption<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw new ConfigError(flag, raw, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  return raw as T;
}

/** A resolution: `64` (square) or `64x32` (height x width). */
export function parseResolutionOption(flag: string, raw: string): { height: number; width: number } {
  const m = /^\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*$/.exec(raw);
  if (!m) throw new ConfigError(flag, raw, 'must be a side ("64") or height x width ("64x32")');
  const height = parseIntegerOption(flag, m[1]!, { min: 1 });
  const width = m[2] === undefined ? height : parseIntegerOption(flag, m[2], { min: 1 });
  return { height, width };
}

/** A non-empty string option (plugin names and paths). */
export function parseNameOption(flag: string, raw: string): string {
  const text = raw.trim();
  if (text === '') throw new ConfigError(flag, raw, 'must not be empty');
  return text;
}
