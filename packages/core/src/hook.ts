import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ResolutionLevel } from './level.js';
import type { UpshiftPlan } from './policy.js';

/** What a step hook sees after a step. Tensors are valid only during the call. */
export interface StepHookContext {
  /** Index of the step just taken. */
  readonly index: number;
  /** Full-resolution sigma before and after the step. */
  readonly sigma: number;
  readonly sigmaNext: number;
  /** Level the step ran at. */
  readonly level: ResolutionLevel;
  /** Level the plan (or an earlier hook) has for the next step. */
  readonly nextLevel: ResolutionLevel;
  /** Deepest level allowed. */
  readonly maxLevel: ResolutionLevel;
  /** The latent after the step (at `level`). Read only. */
  readonly x: Tensor4D;
  /** The denoiser's x0 estimate in this step (at `level`). Read only. */
  readonly denoised: Tensor4D;
  readonly plan: UpshiftPlan;
}

/** The fields a hook may change, and nothing else (see {@link STEP_HOOK_MUTABLE_FIELDS}). */
export interface StepHookResult {
  /** Level for the next step. */
  readonly level?: ResolutionLevel;
  /**
   * Replacement latents for the next step, same shape as `ctx.x`. The pipeline takes
   * ownership (disposes the old latent and, later, this one).
   */
  readonly latents?: Tensor4D;
}

/** The allow-list of {@link StepHookResult} fields. Anything else is rejected with a HookError. */
export const STEP_HOOK_MUTABLE_FIELDS = ['level', 'latents'] as const;

/**
 * A plugin that may change the next step (multi-token: hooks run in registration order, each
 * seeing the previous hook's decision in `nextLevel`). Observers that only watch subscribe to
 * the event stream instead.
 */
export interface StepHook {
  readonly name: string;
  /**
   * Called after every step but the last. May be async (e.g. to read a tensor with
   * `await t.data()`, which WebGPU in Node requires): the pipeline awaits it, and the tensors in
   * `ctx` stay valid until it settles.
   */
  afterStep(ctx: StepHookContext): StepHookResult | void | Promise<StepHookResult | void>;
  /**
   * A hook that keeps state across steps (what it decided so far, running statistics) returns
   * it here as JSON, so a run checkpoint can carry it; {@link restoreState} puts it back in a
   * fresh hook of a resumed run. Hooks without state leave both out.
   */
  saveState?(): unknown;
  /**
   * Restores what {@link saveState} returned (into a hook created for the resumed run).
   *
   * @throws an Error naming what is wrong with `state`.
   */
  restoreState?(state: unknown): void;
}
