/**
 * A run checkpoint: everything needed to continue a run bit for bit, as plain data (no tensors),
 * so it can be sent between processes and machines. The pipeline makes one at a step boundary
 * (after the hooks of the previous step, before the next step's level change) and resumes from
 * it; `@upshift/pipeline` encodes it to JSON or a compact binary form and validates it on the way
 * back. Versioned: a reader rejects versions it does not know.
 */
import type { ComputeRecord } from './compute-meter.js';
import type { ResolutionLevel } from './level.js';
import type { UpshiftPlan } from './policy.js';
import type { NoiseSourceState } from './random.js';
import type { SamplerStateData } from './sampler-state-data.js';
import type { TensorData } from './tensor-data.js';

/** The checkpoint format this build writes and reads. */
export const CHECKPOINT_VERSION = 1;

/** Who decided the level of the next step: the plan, or a step hook (by name). */
export type LevelCause = 'plan' | { readonly hook: string };

/**
 * Identity of the model a checkpoint was made with. A checkpoint only continues on the same
 * model: same `name`, and the same `hash` when both sides have one.
 */
export interface ModelIdentity {
  /** The denoiser's name (`Denoiser.name`). */
  readonly name: string;
  /**
   * A hash of the model's weights and config (`Denoiser.fingerprint()`, e.g. `"sha256:..."`), or
   * null for a denoiser that cannot say (then only the name and the config are checked).
   */
  readonly hash: string | null;
}

/** The saved state of one step hook (hooks with `saveState`; the others keep no state). */
export interface HookStateData {
  /** The hook's name. */
  readonly name: string;
  /** Whatever the hook's `saveState()` returned (JSON). */
  readonly state: unknown;
}

/**
 * A run's state between two steps (version 1). `index` steps are done; the next step runs at
 * `next.level`. All tensors are plain float32 data; all numbers are JSON numbers (doubles
 * survive JSON exactly).
 */
export interface RunCheckpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  /** Index of the next step to run (steps `0 .. index - 1` are done), in [0, steps]. */
  readonly index: number;
  /** The validated pipeline config, JSON, with the resolution the run uses. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The run's plan (as in its `start` event). */
  readonly plan: UpshiftPlan;
  /** The model the run uses. */
  readonly model: ModelIdentity;
  /** The tfjs backend the checkpoint was made on (a resume on another backend is allowed but not bit-identical). */
  readonly backend: string;
  /** The latent after step `index - 1` (and its hooks), at its level; `sigma` per pixel at that level. */
  readonly latent: { readonly level: ResolutionLevel; readonly sigma: number; readonly x: TensorData };
  /** The level of step `index` and who chose it (a hook may change it for one step). */
  readonly next: { readonly level: ResolutionLevel; readonly cause: LevelCause };
  /**
   * The previous step's x0 estimate at the latent's level, when step `index` changes level (a
   * signal-aware resizer reads it); null otherwise.
   */
  readonly denoised: TensorData | null;
  /** The sampler's state (multistep history included). */
  readonly sampler: SamplerStateData;
  /** The run's noise streams (the initial noise is redrawn from the seed). */
  readonly noise: { readonly resizer: NoiseSourceState; readonly sampler: NoiseSourceState };
  /** Saved states of the run's step hooks that keep state, in hook order. */
  readonly hooks: readonly HookStateData[];
  /** Compute records of the steps done (one per step), so the final stats cover the whole run. */
  readonly records: readonly ComputeRecord[];
}
