/**
 * Compute accounting over a run's steps: totals, ms per step (mean / median / p90, overall and
 * per level), and the fractions that compare a plan with the full-resolution run on the same
 * backend in the same process (DESIGN.md, "Compute accounting").
 */
import { ConfigError } from '@upshift/core';

/** What a step contributes (a `step` event has these fields). */
export interface StepCost {
  readonly level: number;
  readonly flops: number;
  readonly ms: number;
  readonly modelCalls?: number;
}

/** Summary statistics of a list of durations in ms. */
export interface MsSummary {
  readonly count: number;
  readonly total: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

/** Totals of the steps at one level. */
export interface LevelCost {
  readonly level: number;
  readonly steps: number;
  readonly flops: number;
  readonly ms: MsSummary;
}

/** A run's compute, overall and per level (ascending level). */
export interface ComputeSummary {
  readonly steps: number;
  readonly flops: number;
  readonly modelCalls: number;
  readonly ms: MsSummary;
  readonly byLevel: readonly LevelCost[];
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Count, total, mean, median, 90th percentile, min and max of `ms` (NaN statistics when empty). */
export function summarizeMs(ms: readonly number[]): MsSummary {
  const sorted = [...ms].sort((a, b) => a - b);
  const total = ms.reduce((a, b) => a + b, 0);
  return {
    count: ms.length,
    total,
    mean: ms.length ? total / ms.length : NaN,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Sums and per-level ms statistics of a run's steps. */
export function summarizeSteps(steps: readonly StepCost[]): ComputeSummary {
  const levels = [...new Set(steps.map((s) => s.level))].sort((a, b) => a - b);
  return {
    steps: steps.length,
    flops: steps.reduce((a, s) => a + s.flops, 0),
    modelCalls: steps.reduce((a, s) => a + (s.modelCalls ?? 1), 0),
    ms: summarizeMs(steps.map((s) => s.ms)),
    byLevel: levels.map((level) => {
      const at = steps.filter((s) => s.level === level);
      return { level, steps: at.length, flops: at.reduce((a, s) => a + s.flops, 0), ms: summarizeMs(at.map((s) => s.ms)) };
    }),
  };
}

/** `flops / fullResolutionFlops`: the share of the full-resolution run's compute a plan used. */
export function flopFraction(flops: number, fullResolutionFlops: number): number {
  if (!(Number.isFinite(fullResolutionFlops) && fullResolutionFlops > 0)) {
    throw new ConfigError('fullResolutionFlops', fullResolutionFlops, 'must be a positive finite number');
  }
  if (!(Number.isFinite(flops) && flops >= 0)) throw new ConfigError('flops', flops, 'must be a finite number >= 0');
  return flops / fullResolutionFlops;
}

/** `ms / baselineMs`: wall time relative to a baseline run (same backend, same process). */
export function timeRatio(ms: number, baselineMs: number): number {
  if (!(Number.isFinite(baselineMs) && baselineMs > 0)) throw new ConfigError('baselineMs', baselineMs, 'must be a positive finite number');
  if (!(Number.isFinite(ms) && ms >= 0)) throw new ConfigError('ms', ms, 'must be a finite number >= 0');
  return ms / baselineMs;
}

/** A run's FLOPs and time as fractions of a baseline run's. */
export interface CostVsBaseline {
  readonly flopFraction: number;
  readonly timeRatio: number;
  /** `1 / timeRatio`. */
  readonly speedup: number;
}

/** FLOP fraction and time ratio of `run` against `baseline` (e.g. the policy `none` on the same seeds). */
export function compareToBaseline(run: { readonly flops: number; readonly ms: number }, baseline: { readonly flops: number; readonly ms: number }): CostVsBaseline {
  const t = timeRatio(run.ms, baseline.ms);
  return { flopFraction: flopFraction(run.flops, baseline.flops), timeRatio: t, speedup: t > 0 ? 1 / t : Infinity };
}
