import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ResolutionLevel } from './level.js';
import type { UpshiftPlan } from './policy.js';
import type { ComputeTotals } from './compute-meter.js';
import type { RunCheckpoint } from './checkpoint.js';

/** `start`: the run's plan, before any model call. */
export interface StartEvent {
  readonly type: 'start';
  readonly plan: UpshiftPlan;
  /** The validated, JSON-serialisable run config. */
  readonly config: Readonly<Record<string, unknown>>;
  /** tfjs backend the run uses. */
  readonly backend: string;
  /** For a run resumed from a checkpoint: the index of its first step (steps before it are not emitted again). */
  readonly resumedFrom?: number;
  /**
   * Threads the model calls run on: 1 = the run's own thread; N > 1 = a denoiser pool of N
   * workers (the config's `workers` setting, resolved).
   */
  readonly workers: number;
}

/** `step`: one sampler step done. Tensors are valid only while the event is emitted. */
export interface StepProgressEvent {
  readonly type: 'step';
  readonly index: number;
  readonly steps: number;
  /** Full-resolution sigma before and after the step. */
  readonly sigma: number;
  readonly sigmaNext: number;
  readonly level: ResolutionLevel;
  readonly flops: number;
  readonly ms: number;
  readonly modelCalls: number;
  /** The latent after the step. Clone to keep. */
  readonly x: Tensor4D;
  /** The denoiser's x0 estimate. Clone to keep. */
  readonly denoised: Tensor4D;
  /**
   * The x0 estimate as plain data (at `level`), when the run asks for previews (pipeline
   * config `previews: true`); safe to keep.
   */
  readonly preview?: ImageData4D;
}

/** `resolution-change`: the latent moved between levels before step `index`. */
export interface ResolutionChangeEvent {
  readonly type: 'resolution-change';
  readonly index: number;
  readonly from: ResolutionLevel;
  readonly to: ResolutionLevel;
  /** Per-pixel sigma before and after (sigma * 2^(from - to)). */
  readonly sigmaBefore: number;
  readonly sigmaAfter: number;
  /** Who asked: the plan or a hook (by name). */
  readonly cause: 'plan' | { readonly hook: string };
}

/** Final statistics of a run. */
export interface RunStats extends ComputeTotals {
  readonly steps: number;
  /** Levels actually used per step. */
  readonly levels: readonly ResolutionLevel[];
  /** flops / the plan's fullResolutionFlops. */
  readonly flopFraction: number;
}

/** A finished image as plain data (no tensor to free): NHWC float32, the model's data range. */
export interface ImageData4D {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** `done`: the final image and stats. */
export interface DoneEvent {
  readonly type: 'done';
  readonly image: ImageData4D;
  readonly stats: RunStats;
}

/**
 * `checkpoint`: the run's state before step `index` (the run asked for checkpoints at level
 * changes and / or every K steps). Plain data, safe to keep; resume with
 * `pipeline.run(config, { resumeFrom: checkpoint })`.
 */
export interface CheckpointEvent {
  readonly type: 'checkpoint';
  /** The next step to run (= `checkpoint.index`). */
  readonly index: number;
  /** Why now: the next step changes level, and / or `index` is a multiple of `everySteps`. */
  readonly reasons: readonly ('level-change' | 'every-steps')[];
  readonly checkpoint: RunCheckpoint;
}

/** Why a run stopped early with a `suspended` event. */
export type SuspendReason =
  /** `RunOptions.stopBefore`: the run reached that step index. */
  | { readonly kind: 'stop-before'; readonly index: number }
  /** `RunOptions.levels`: the next step's level is outside the range the run may run. */
  | { readonly kind: 'level-range'; readonly level: ResolutionLevel; readonly min: ResolutionLevel; readonly max: ResolutionLevel }
  /** `RunOptions.suspendSignal` was aborted (e.g. a worker draining on SIGTERM). */
  | { readonly kind: 'requested' };

/**
 * `suspended`: the run stopped before step `index` instead of finishing (it ends with this
 * event, in place of `done`). Continue it from `checkpoint`, here or on another worker.
 */
export interface SuspendedEvent {
  readonly type: 'suspended';
  /** The next step to run (= `checkpoint.index`). */
  readonly index: number;
  /** The level that step will run at. */
  readonly level: ResolutionLevel;
  readonly reason: SuspendReason;
  readonly checkpoint: RunCheckpoint;
  /** Statistics of the steps done so far (including those before a resume). */
  readonly stats: RunStats;
}

/** Everything a run emits; errors go to the Observable's error channel. */
export type StepEvent = StartEvent | StepProgressEvent | ResolutionChangeEvent | CheckpointEvent | SuspendedEvent | DoneEvent;
