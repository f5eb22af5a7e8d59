import type { Resolution, ResolutionLevel } from './level.js';
import type { NoiseSchedule } from './schedule.js';
import type { PowerSpectrum } from './spectrum.js';
import type { StepHook } from './hook.js';

/** What a policy knows before a run starts. */
export interface PolicyContext {
  /** The run's full-resolution sigma grid: `steps + 1` values ending in 0. */
  readonly sigmas: readonly number[];
  /** Target (level 0) resolution. */
  readonly resolution: Resolution;
  /** Deepest level the model and resolution allow. */
  readonly maxLevel: ResolutionLevel;
  /** FLOPs of one denoiser call (guidance included) at `level`. */
  readonly flopsAt: (level: ResolutionLevel) => number;
  /**
   * FLOPs of one denoiser call at step `index` and `level`, where they differ per step (guidance
   * limited to an interval of noise levels or set per level: an unguided call costs half).
   * Absent: `flopsAt(level)` for every step.
   */
  readonly flopsAtStep?: (index: number, level: ResolutionLevel) => number;
  /** The schedule, for policies that accept "t > 0.7" style options. */
  readonly schedule?: NoiseSchedule;
  /** The data's power spectrum (shipped with the model), for spectral / budget policies. */
  readonly spectrum?: PowerSpectrum;
}

/** One planned step. `sigma` is the full-resolution sigma of the grid. */
export interface PlannedStep {
  readonly index: number;
  readonly sigma: number;
  readonly sigmaNext: number;
  readonly level: ResolutionLevel;
  /** Predicted FLOPs of this step (model calls x flops at its level). */
  readonly flops: number;
}

/** A run's plan, carried in the `start` event. */
export interface UpshiftPlan {
  readonly policy: string;
  readonly steps: readonly PlannedStep[];
  /** Predicted total FLOPs. */
  readonly flops: number;
  /** Predicted FLOPs of the same grid at full resolution. */
  readonly fullResolutionFlops: number;
  /** flops / fullResolutionFlops. */
  readonly flopFraction: number;
}

/**
 * Maps the sigma grid of a run to a level per step, decided in noise level (sigma / logSNR),
 * never in raw t.
 */
export interface UpshiftPolicy {
  readonly name: string;
  /** Level for each of the `sigmas.length - 1` steps. */
  levels(ctx: PolicyContext): ResolutionLevel[];
  /**
   * Optional step hook for policies that decide during the run (adaptive). The pipeline adds
   * it after the injected hooks.
   */
  hook?(ctx: PolicyContext): StepHook;
}
