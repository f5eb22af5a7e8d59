/**
 * The sampling loop of one run (k-diffusion `sample_*` over a full-resolution sigma grid, with a
 * level per step): start from the pooled full-resolution noise (or from a checkpoint), move the
 * latent exactly when the level changes (plan or hook), step the sampler with sigmas seen at the
 * level, emit events, run the hooks, and upshift the final image to level 0. Between two steps it
 * may emit a checkpoint, or stop with a `suspended` event (stage options). Every tensor it makes
 * is freed on every path (done, suspended, error, cancellation).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { NonFiniteError } from '@upshift/core';
import type {
  ImageData4D,
  Latent,
  LevelCause,
  ModelIdentity,
  ResolutionLevel,
  RunCheckpoint,
  RunStats,
  SamplerState,
  StartEvent,
  StepEvent,
  StepHookContext,
  SuspendReason,
} from '@upshift/core';
import type { RunControl } from './run-control.js';
import { guardDenoiser, throwIfCancelled } from './run-control.js';
import { captureCheckpoint, restoreLoopState } from './run-checkpoint.js';
import type { RunSetup } from './run-setup.js';
import type { RunStages } from './run-stages.js';
import { runStepHooks } from './step-hooks.js';
import { yieldToEventLoop } from './yield-to-event-loop.js';
import { cleanUp } from './dispose-quietly.js';

/** Copies a tensor out as plain data (async: WebGPU in Node cannot read synchronously). */
export async function toImageData(x: Tensor4D): Promise<ImageData4D> {
  const data = (await x.data()) as Float32Array;
  const [n, h, w, c] = x.shape;
  return { data, shape: [n, h, w, c] };
}

/** Whether every value is finite (no NaN, no Infinity). */
function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** What the loop needs beyond the setup for checkpoints, resuming and stopping early. */
export interface LoopOptions {
  /** Emitted once the run's starting state is made (restored from a checkpoint or fresh), before any model call. */
  readonly start: StartEvent;
  /** When to emit checkpoints and when to suspend (validated). */
  readonly stages: RunStages;
  /** A checkpoint (validated and checked against `setup`) to continue from. */
  readonly resumeFrom?: RunCheckpoint;
  /** Aborting it suspends the run at the next step boundary. */
  readonly suspendSignal?: AbortSignal;
  /** The model's identity (computed on first use). */
  readonly model: () => Promise<ModelIdentity>;
}

/** The stats of the steps recorded so far. */
function statsOf(setup: RunSetup): RunStats {
  const totals = setup.meter.totals();
  return {
    ...totals,
    steps: setup.plan.steps.length,
    levels: setup.meter.records.map((r) => r.level),
    flopFraction: setup.plan.fullResolutionFlops > 0 ? totals.flops / setup.plan.fullResolutionFlops : 1,
  };
}

/** Why the run must stop before step `index` at `level`, if it must. */
function suspendReason(stages: RunStages, index: number, level: ResolutionLevel, signal: AbortSignal | undefined): SuspendReason | undefined {
  if (signal?.aborted) return { kind: 'requested' };
  if (stages.stopBefore === index) return { kind: 'stop-before', index };
  const { min, max } = stages.levels;
  if (level < min || level > max) return { kind: 'level-range', level, min, max };
  return undefined;
}

/**
 * Runs the steps of `setup`, calling `emit` for each event, `options.start` first (after the
 * starting state is made, so a checkpoint that cannot be restored fails before any event).
 * Returns when `done` or `suspended` was emitted.
 *
 * @throws whatever a plugin or hook throws (HookError for a rejected hook result),
 *   NonFiniteError when a step's result holds NaN or Infinity, or the run's RunCancelledError
 *   once it is cancelled.
 */
export async function runLoop(setup: RunSetup, control: RunControl, emit: (event: StepEvent) => void, options: LoopOptions): Promise<void> {
  const { config, sampler, resizer, sigmas, plan, hooks, noise, meter, contextAt, flopsAtStep } = setup;
  const steps = plan.steps.length;
  const maxLevel = setup.policyContext.maxLevel;
  const denoiser = guardDenoiser(setup.denoiser, control);
  const { height, width } = config.resolution;
  const coupled = (config.upshiftNoise ?? 'coupled') === 'coupled';

  // The initial noise is always drawn at full resolution first, so every policy run with the
  // same seed starts from the same z (and coupled upshifts reuse it): runs stay paired.
  let z: Tensor4D | undefined;
  let latent: Latent | undefined;
  let denoised: Tensor4D | undefined;
  let state: SamplerState | undefined;
  let final: Tensor4D | undefined;
  const { stages, resumeFrom } = options;
  let failed = true;
  try {
    z = noise.normal<tf.Rank.R4>([config.batch, height, width, setup.denoiser.channels]);
    let resizeNoise = noise.fork('resizer');
    let samplerNoise = noise.fork('sampler');
    const noiseAt = (level: ResolutionLevel): Tensor4D =>
      // 2^k D^k z: the initial noise seen at level k, again i.i.d. N(0, 1) for an exact pair.
      tf.tidy(() => tf.mul(resizer.resizeSignal(z!, 0, level), 2 ** level) as Tensor4D);

    let nextLevel: ResolutionLevel;
    let cause: LevelCause = 'plan';
    let startAt = 0;
    if (resumeFrom !== undefined) {
      // The initial noise z is redrawn from the seed (coupled upshifts need it); everything
      // that moved since is in the checkpoint.
      const restored = restoreLoopState(resumeFrom, setup);
      ({ latent, denoised, sampler: state, resizeNoise, samplerNoise, nextLevel, cause } = restored);
      startAt = resumeFrom.index;
    } else {
      const first = plan.steps[0]!.level;
      // x = sigma_0 / 2^L0 * (2^L0 D^L0 z): exactly the pooled full-resolution start.
      const x0 = noiseAt(first);
      latent = { x: tf.tidy(() => tf.mul(x0, sigmas[0]! / 2 ** first) as Tensor4D), level: first, sigma: sigmas[0]! / 2 ** first };
      x0.dispose();
      state = sampler.initState();
      nextLevel = first;
    }
    emit(options.start);

    for (let i = startAt; i < steps; i++) {
      throwIfCancelled(control);
      const level = nextLevel;
      // The step boundary: steps 0 .. i-1 and their hooks are done, nothing of step i is.
      const reason = suspendReason(stages, i, level, options.suspendSignal);
      const everyK = stages.everySteps > 0 && i > 0 && i % stages.everySteps === 0;
      const atChange = stages.atLevelChange && level !== latent.level;
      if (reason !== undefined || ((everyK || atChange) && i !== startAt)) {
        const live = { latent, denoised, sampler: state, resizeNoise, samplerNoise, nextLevel: level, cause };
        const checkpoint = await captureCheckpoint(setup, live, i, await options.model());
        throwIfCancelled(control);
        if (reason !== undefined) {
          emit({ type: 'suspended', index: i, level, reason, checkpoint, stats: statsOf(setup) });
          return;
        }
        const reasons: ('level-change' | 'every-steps')[] = [...(atChange ? (['level-change'] as const) : []), ...(everyK ? (['every-steps'] as const) : [])];
        emit({ type: 'checkpoint', index: i, reasons, checkpoint });
      }
      const t0 = now();
      if (level !== latent.level) {
        const from = latent.level;
        const targetNoise = coupled && level < from ? noiseAt(level) : undefined;
        try {
          const moved = resizer.resize(latent, level, { noise: resizeNoise, ...(denoised ? { denoised } : {}), ...(targetNoise ? { targetNoise } : {}) });
          const sigmaBefore = latent.sigma;
          latent.x.dispose();
          latent = moved;
          state = sampler.onLevelChange(state, { from, to: level }, resizer);
          emit({ type: 'resolution-change', index: i, from, to: level, sigmaBefore, sigmaAfter: latent.sigma, cause });
        } finally {
          targetNoise?.dispose();
        }
      }
      denoised?.dispose();
      denoised = undefined;

      const out = await sampler.step({
        denoiser,
        latent,
        sigmaNext: sigmas[i + 1]! / 2 ** level,
        state,
        ctx: contextAt(i, level),
        noise: samplerNoise,
      });
      state = out.state;
      latent.x.dispose();
      latent = out.latent;
      denoised = out.denoised;
      // Wait for the backend to finish (WebGPU queues work), so `ms` is the step's real time;
      // the values are read anyway, so a NaN or Infinity stops the run here, saying where.
      const values = await latent.x.data();
      const ms = now() - t0;
      if (!allFinite(values)) {
        const fromDenoiser = denoised !== undefined && !allFinite(await denoised.data());
        throw new NonFiniteError(i, steps, sigmas[i]!, level, fromDenoiser ? `the denoiser "${setup.denoiser.name}"` : `the sampler "${sampler.name}"`);
      }
      const flops = out.modelCalls * flopsAtStep(i, level);
      meter.record({ level, flops, ms, modelCalls: out.modelCalls });
      const preview = config.previews ? await toImageData(denoised) : undefined;
      throwIfCancelled(control);
      emit({
        type: 'step',
        index: i,
        steps,
        sigma: sigmas[i]!,
        sigmaNext: sigmas[i + 1]!,
        level,
        flops,
        ms,
        modelCalls: out.modelCalls,
        x: latent.x,
        denoised,
        ...(preview ? { preview } : {}),
      });

      if (i + 1 < steps) {
        const planned = plan.steps[i + 1]!.level;
        const base: Omit<StepHookContext, 'nextLevel'> = {
          index: i,
          sigma: sigmas[i]!,
          sigmaNext: sigmas[i + 1]!,
          level,
          maxLevel,
          x: latent.x,
          denoised,
          plan,
        };
        const decision = hooks.length ? await runStepHooks(hooks, base, planned) : { level: planned, levelHook: undefined, latents: undefined };
        if (decision.latents !== undefined) {
          latent.x.dispose();
          latent = { ...latent, x: decision.latents };
        }
        nextLevel = decision.level;
        cause = decision.levelHook === undefined ? 'plan' : { hook: decision.levelHook };
        await yieldToEventLoop();
      }
    }

    // A run that ends below full resolution returns its clean image upshifted (U^L x).
    final = latent.level > 0 ? resizer.resizeSignal(latent.x, latent.level, 0) : latent.x;
    const image = await toImageData(final);
    throwIfCancelled(control);
    emit({ type: 'done', image, stats: statsOf(setup) });
    failed = false;
  } finally {
    // Every step runs even if one throws (a failed backend may fail to free too); a cleanup
    // error never hides the run's own error, and is reported only when the run succeeded.
    const cleanupError = cleanUp([
      () => state !== undefined && sampler.disposeState(state),
      ...[z, latent?.x, denoised, final].map((t) => () => t !== undefined && !t.isDisposed && t.dispose()),
    ]);
    if (cleanupError !== undefined && !failed) throw cleanupError;
  }
}
