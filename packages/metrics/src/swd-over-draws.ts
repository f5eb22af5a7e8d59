/**
 * SWD of one image set against several reference draws (e.g. class-matched held-out draws,
 * {@link drawClassMatchedReference}), summarised per pyramid level by the mean and spread over
 * the draws. With a few dozen images a single reference draw moves SWD by several percent; the
 * mean over draws is the number to compare, the spread says how much one draw can move it.
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import type { ImageSwdOptions, ImageSwdResult } from './image-swd.js';
import { IMAGE_SWD_DEFAULTS, imageSwd } from './image-swd.js';

/** One pyramid level summarised over reference draws (raw distances; x SWD_REPORT_SCALE to report). */
export interface SwdLevelSummary {
  /** Side of the pyramid level in pixels. */
  readonly side: number;
  /** Mean over the draws. */
  readonly mean: number;
  /** Sample standard deviation over the draws (0 for one draw). */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** The distance against each draw, in draw order. */
  readonly values: readonly number[];
}

/** SWD per level (finest first) over reference draws. */
export interface SwdDrawSummary {
  readonly levels: readonly SwdLevelSummary[];
  /** Number of reference draws. */
  readonly draws: number;
}

/** Seed offset between draws: draw d uses `seed + d * DRAW_SEED_STRIDE` (patch positions and directions). */
export const DRAW_SEED_STRIDE = 10_007;

/** Mean, sample standard deviation, min and max of `values` (at least one). */
export function meanAndSpread(values: readonly number[]): { mean: number; std: number; min: number; max: number } {
  if (values.length === 0) throw new ConfigError('values', 0, 'must hold at least one number');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** Summarises {@link imageSwd} results of one test set against several draws (all with the same levels). */
export function summarizeSwdDraws(results: readonly ImageSwdResult[]): SwdDrawSummary {
  if (results.length === 0) throw new ConfigError('results', 0, 'must hold at least one SWD result');
  const sides = results[0]!.levels.map((l) => l.side);
  for (const r of results) {
    if (r.levels.length !== sides.length || r.levels.some((l, k) => l.side !== sides[k])) {
      throw new ConfigError('results', r.levels.map((l) => l.side), `every result must have the levels ${sides.join('/')}`);
    }
  }
  return {
    draws: results.length,
    levels: sides.map((side, k) => {
      const values = results.map((r) => r.levels[k]!.distance);
      return { side, ...meanAndSpread(values), values };
    }),
  };
}

/**
 * SWD of `test` against each of `references` (draw d with patch / direction seed
 * `seed + d * DRAW_SEED_STRIDE`, so every test set measured against the same draws sees the
 * same positions and directions: comparisons between test sets stay paired).
 */
export function swdOverDraws(test: ImageBatch, references: readonly ImageBatch[], options: Partial<ImageSwdOptions> = {}): SwdDrawSummary {
  if (references.length === 0) throw new ConfigError('references', 0, 'must hold at least one reference draw');
  const seed = options.seed ?? IMAGE_SWD_DEFAULTS.seed;
  return summarizeSwdDraws(references.map((ref, d) => imageSwd(test, ref, { ...options, seed: seed + d * DRAW_SEED_STRIDE })));
}
