/**
 * Fair wall-time ratios for `compare`. The first run of a process pays the backend's warm-up
 * (wasm memory growth, WebGPU shader compilation, first-touch of every buffer size); run first,
 * the full-resolution reference paid it and every policy's ratio looked better than it was
 * (0.29 where later runs gave 0.44-0.50). So the model is warmed up at every level before
 * anything is timed, and with `--timing-repeats N` the sets run N times interleaved
 * (A B C, A B C, ...), each policy's ratio being the median over the rounds with its spread.
 */
import type { Pipeline } from '@upshift/pipeline';

/** What the warm-up did. */
export interface WarmUp {
  /** Levels a model call was made at (0 first; stops at the first level the model cannot take). */
  readonly levels: readonly number[];
  readonly ms: number;
}

/**
 * One model call of `config`'s batch at each level 0, 1, ... up to `maxLevel` (fewer when the
 * model or the resolution allows fewer), on the config's backend, before anything is timed.
 */
export async function warmUpModel(pipeline: Pipeline, config: { readonly batch?: number; readonly [key: string]: unknown }, maxLevel = 3): Promise<WarmUp> {
  const t0 = performance.now();
  const levels: number[] = [];
  for (let level = 0; level <= maxLevel; level++) {
    try {
      await pipeline.timeModelCall(config, level, config.batch ?? 1, 1);
    } catch (error) {
      if (level === 0) throw error; // the model itself cannot run: the first set would fail the same way
      break; // a level the model or the resolution does not have
    }
    levels.push(level);
  }
  return { levels, ms: performance.now() - t0 };
}

/** A policy's time relative to the full-resolution run, over the timing rounds. */
export interface TimeRatio {
  /** Median of the per-round ratios. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Rounds measured. */
  readonly runs: number;
}

/** Per-round ratios `setMs[r] / fullMs[r]`, summarised (rounds missing on either side are skipped). */
export function timeRatio(setMs: readonly number[], fullMs: readonly number[]): TimeRatio {
  const ratios: number[] = [];
  for (let r = 0; r < Math.min(setMs.length, fullMs.length); r++) ratios.push(setMs[r]! / fullMs[r]!);
  if (ratios.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: ratios.length };
}
