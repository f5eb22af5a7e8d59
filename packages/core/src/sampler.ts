import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Awaitable, Denoiser, DenoiserContext } from './denoiser.js';
import type { Latent } from './latent.js';
import type { ResolutionLevel } from './level.js';
import type { NoiseSource } from './random.js';
import type { Resizer } from './resizer.js';
import type { SamplerStateData } from './sampler-state-data.js';

/**
 * Explicit sampler state. Each sampler declares its own state type with a `kind` tag; tensors
 * it holds (e.g. a previous x0 estimate) are listed so they can be resized on a level change
 * and disposed. No sampler keeps state in closures.
 */
export interface SamplerState {
  /** The sampler name this state belongs to. */
  readonly kind: string;
  /** Number of steps taken. */
  readonly stepIndex: number;
}

/** Everything one sampler step needs. Sigmas are per-pixel at `latent.level`. */
export interface SamplerStepInput<S extends SamplerState> {
  readonly denoiser: Denoiser;
  readonly latent: Latent;
  /** Target sigma of this step at the latent's level (0 on the last step). */
  readonly sigmaNext: number;
  readonly state: S;
  readonly ctx: DenoiserContext;
  /** Seeded noise for ancestral / SDE samplers. */
  readonly noise: NoiseSource;
}

/** Result of one step. The caller owns `latent.x` and `denoised`; the old state is consumed. */
export interface SamplerStepOutput<S extends SamplerState> {
  readonly latent: Latent;
  /** The denoiser's x0 estimate at the start of the step (for hooks and previews). */
  readonly denoised: Tensor4D;
  readonly state: S;
  /** Denoiser calls made in this step (Heun: 2, except on the last step). */
  readonly modelCalls: number;
}

/** A level change seen by a sampler. */
export interface LevelChange {
  readonly from: ResolutionLevel;
  readonly to: ResolutionLevel;
}

/**
 * A sampler in sigma space (k-diffusion `sample_*` style, one step at a time).
 * `step` consumes `input.state` (disposing tensors it no longer needs) but never disposes
 * `input.latent.x`.
 */
export interface Sampler<S extends SamplerState = SamplerState> {
  readonly name: string;
  /** Convergence order of the deterministic part (1 Euler, 2 Heun / DPM++2M). */
  readonly order: number;
  /** Whether the sampler injects fresh noise (ancestral / SDE). */
  readonly stochastic: boolean;
  /** Fresh state for a run. */
  initState(): S;
  /**
   * Advances the latent from `latent.sigma` to `sigmaNext`. Asynchronous when it awaits the
   * denoiser (which may answer from other threads); a sampler whose denoiser calls are all
   * synchronous may return the output directly. Frees what it made also when it throws.
   */
  step(input: SamplerStepInput<S>): Awaitable<SamplerStepOutput<S>>;
  /**
   * Adapts the state to a level change: resize clean-signal history with
   * `resizer.resizeSignal`, or drop to first order for one step. Consumes `state`.
   */
  onLevelChange(state: S, change: LevelChange, resizer: Resizer): S;
  /** Frees every tensor the state holds. */
  disposeState(state: S): void;
  /**
   * Saves `state` as plain data for a run checkpoint (reads its tensors; does not consume or
   * dispose it). Optional: without it the pipeline uses core's generic `saveSamplerState`, which
   * takes any state made of JSON scalars and float32 tensors.
   */
  saveState?(state: S): Promise<SamplerStateData>;
  /**
   * Rebuilds a state saved by `saveState` (new tensors, owned by the caller), checking that it
   * is this sampler's. Optional: the generic counterpart is core's `restoreSamplerState`.
   *
   * @param field names the data in errors (e.g. `"checkpoint.sampler"`).
   * @throws ConfigError naming `field.<key>` and the value when the data is malformed.
   */
  restoreState?(data: SamplerStateData, field?: string): S;
}
