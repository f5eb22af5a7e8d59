/**
 * How long a run will take, from its plan's FLOPs and a measured rate (FLOPs / ms of a real
 * model call on this backend, nothing assumed). The first step gives a rate for free, but its
 * small, coarse-level calls run far below the full-resolution rate on fast backends (wasm, 2-core
 * machine: 1.4 GFLOP/s for 18 images at 8 px, 4.9 for one at 32 px, 7.5 for 18 at 64 px; cpu:
 * 0.3-0.38 at every size), so when that rate says "minutes", one model call of one image at 1/2
 * side is timed (the run waits for it) and the estimate is made from its rate. `generate` prints a
 * note when the run will take minutes (e.g. `--backend cpu` at the defaults).
 */
import type { UpshiftPlan } from '@upshift/core';

/** A run's time, estimated after its first step. */
export interface TimeEstimate {
  /** FLOPs the plan does in all. */
  readonly planFlops: number;
  /** FLOPs per second of the first step. */
  readonly flopsPerSecond: number;
  /** Estimated time of the whole run, in ms. */
  readonly totalMs: number;
  /** Estimated time still to go after the first step, in ms. */
  readonly remainingMs: number;
}

/** Estimates the run of `plan` at the rate of a model call that did `flops` in `ms`; `doneMs` of it has run. */
export function estimateRunTime(plan: UpshiftPlan, call: { readonly flops: number; readonly ms: number }, doneMs = call.ms): TimeEstimate {
  const flopsPerSecond = call.flops / (Math.max(call.ms, 1e-3) / 1000);
  const totalMs = (plan.flops / flopsPerSecond) * 1000;
  return { planFlops: plan.flops, flopsPerSecond, totalMs, remainingMs: Math.max(0, totalMs - doneMs) };
}

/** `42 s`, `3.5 min`, `1.2 h`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * Runs estimated to take longer than this get a note (ms). Five minutes: the estimate can be
 * 1.5x long on wasm (a 1/2-side call runs at ~2/3 of the full-resolution rate there), and the
 * default `npm start` (~1.5 min on wasm) must not get one.
 */
export const LONG_RUN_MS = 300_000;

/**
 * Level of the timed model call: 1 (1/2 side, 1/4 of the FLOPs of level 0: 2.6 s instead of 12 s
 * on cpu, where the rate hardly depends on size) when the plan goes there, else 0.
 */
export function calibrationLevel(plan: UpshiftPlan): number {
  return plan.steps.some((s) => s.level >= 1) ? 1 : 0;
}

/**
 * The note for a run estimated to take longer than `thresholdMs`, or undefined. Names the
 * estimate, what it comes from, and what makes the run shorter.
 */
export function longRunNote(estimate: TimeEstimate, backend: string, basis: string, thresholdMs = LONG_RUN_MS): string | undefined {
  if (estimate.totalMs <= thresholdMs) return undefined;
  const gflop = estimate.planFlops / 1e9;
  const faster = backend === 'cpu' ? '; --backend wasm ran the model ~10x faster than cpu on a 2-core machine' : '';
  return (
    `note: this run will take about ${formatDuration(estimate.totalMs)} on ${backend} ` +
    `(the plan's ${gflop >= 100 ? gflop.toFixed(0) : gflop.toPrecision(3)} GFLOP at ${(estimate.flopsPerSecond / 1e9).toPrecision(2)} GFLOP/s: ${basis})` +
    `${faster}; fewer --steps, fewer images (--batch, --class) or a smaller --resolution shorten it; Ctrl-C stops it`
  );
}
