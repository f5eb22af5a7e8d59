/**
 * Taking a checkpoint of a running run, and putting one back: the live state of the sampling
 * loop between two steps (latent, sampler state, noise streams, pending level decision, hook
 * states, compute records) as core's `RunCheckpoint`, and the reverse, after checking that the
 * checkpoint belongs to this run (config, model, plan, hooks, shapes).
 */
import type { Rank, Tensor4D } from '@tensorflow/tfjs-core';
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  describeValue,
  readTensorData,
  restoreNoiseSource,
  restoreSamplerState,
  saveSamplerState,
  tensorFromData,
} from '@upshift/core';
import type { HookStateData, Latent, LevelCause, ModelIdentity, NoiseSource, ResolutionLevel, RunCheckpoint, Sampler, SamplerState, StepHook } from '@upshift/core';
import { asCheckpointError, checkModelIdentity, checkpointField } from './checkpoint-validation.js';
import type { RunSetup } from './run-setup.js';

/** The loop's state between two steps. */
export interface LoopState {
  /** The latent after the last step (and its hooks). */
  readonly latent: Latent;
  /** The last step's x0 estimate (undefined before the first step). */
  readonly denoised: Tensor4D | undefined;
  readonly sampler: SamplerState;
  readonly resizeNoise: NoiseSource;
  readonly samplerNoise: NoiseSource;
  /** Level of the next step, and who chose it. */
  readonly nextLevel: ResolutionLevel;
  readonly cause: LevelCause;
}

/** The kind of a sampler's fresh state (by contract a fresh state holds no tensors). */
function freshKind(sampler: Sampler): string {
  const fresh = sampler.initState();
  sampler.disposeState(fresh);
  return fresh.kind;
}

/** The hooks that keep state (and so appear in checkpoints), in order. */
function statefulHooks(hooks: readonly StepHook[]): StepHook[] {
  return hooks.filter((h) => typeof h.saveState === 'function');
}

function savedHookStates(hooks: readonly StepHook[]): HookStateData[] {
  return statefulHooks(hooks).map((h) => {
    const state = h.saveState!();
    let json: string | undefined;
    try {
      json = JSON.stringify(state);
    } catch {
      json = undefined;
    }
    if (json === undefined) throw new CheckpointError(`checkpoint.hooks.${h.name}`, describeValue(state), 'the hook saved a state that is not JSON');
    return { name: h.name, state: JSON.parse(json) as unknown };
  });
}

/**
 * Captures the run's state before step `index` as a checkpoint (reads tensors; changes nothing).
 * The x0 estimate is kept only when the next step changes level (a resizer may read it).
 */
export async function captureCheckpoint(setup: RunSetup, s: LoopState, index: number, model: ModelIdentity): Promise<RunCheckpoint> {
  const sampler = setup.sampler;
  const changes = s.nextLevel !== s.latent.level;
  return {
    version: CHECKPOINT_VERSION,
    index,
    config: JSON.parse(JSON.stringify(setup.config)) as Record<string, unknown>,
    plan: JSON.parse(JSON.stringify(setup.plan)) as RunCheckpoint['plan'],
    model,
    backend: setup.backend,
    latent: { level: s.latent.level, sigma: s.latent.sigma, x: await readTensorData(s.latent.x, 'latent') },
    next: { level: s.nextLevel, cause: typeof s.cause === 'string' ? s.cause : { hook: s.cause.hook } },
    denoised: changes && s.denoised !== undefined ? await readTensorData(s.denoised, 'denoised') : null,
    sampler: await (sampler.saveState ? sampler.saveState(s.sampler) : saveSamplerState(s.sampler)),
    noise: { resizer: s.resizeNoise.capture(), sampler: s.samplerNoise.capture() },
    hooks: savedHookStates(setup.hooks),
    records: setup.meter.records.map((r) => ({ level: r.level, flops: r.flops, ms: r.ms, modelCalls: r.modelCalls })),
  };
}

/**
 * Checks that the (validated) checkpoint `cp` continues the run `setup` with `model`: model
 * identity, resolution, channels, levels, the plan, the stateful hooks.
 *
 * @throws CheckpointError naming the field of the checkpoint that does not match.
 */
export function checkResumable(cp: RunCheckpoint, setup: RunSetup, model: ModelIdentity): void {
  checkModelIdentity(cp.model, model);
  const { height, width } = setup.config.resolution;
  const saved = cp.config['resolution'] as { height: number; width: number };
  if (saved.height !== height || saved.width !== width) {
    throw new CheckpointError('checkpoint.config.resolution', saved, `does not match the run's resolution ${height}x${width}`);
  }
  const channels = setup.denoiser.channels;
  if (cp.latent.x.shape[3] !== channels) throw new CheckpointError('checkpoint.latent.x.shape', cp.latent.x.shape, `the model has ${channels} channels`);
  const maxLevel = setup.policyContext.maxLevel;
  for (const [field, level] of [['latent.level', cp.latent.level], ['next.level', cp.next.level]] as const) {
    if (level > maxLevel) throw new CheckpointError(`checkpoint.${field}`, level, `this run's deepest level is ${maxLevel}`);
  }
  const planned = setup.plan.steps;
  cp.plan.steps.forEach((s, i) => {
    const p = planned[i]!;
    if (s.level !== p.level) throw new CheckpointError(checkpointField(['plan', 'steps', i, 'level']), s.level, `this run plans level ${p.level} (another model or spectrum?)`);
    if (s.sigma !== p.sigma) throw new CheckpointError(checkpointField(['plan', 'steps', i, 'sigma']), s.sigma, `this run's sigma is ${p.sigma}`);
  });
  const names = statefulHooks(setup.hooks).map((h) => h.name);
  const savedNames = cp.hooks.map((h) => h.name);
  if (names.length !== savedNames.length || names.some((n, i) => n !== savedNames[i])) {
    throw new CheckpointError('checkpoint.hooks', savedNames, `this run's hooks that keep state are ${describeValue(names)}`);
  }
}

/**
 * Rebuilds the loop's state from a checkpoint checked with {@link checkResumable}: new tensors
 * (owned by the caller), the noise streams at their saved positions, the hooks' states and the
 * compute records put back.
 */
export function restoreLoopState(cp: RunCheckpoint, setup: RunSetup): LoopState {
  const made: Tensor4D[] = [];
  try {
    const x = tensorFromData<Rank.R4>(cp.latent.x, 'checkpoint.latent.x');
    made.push(x);
    const denoised = cp.denoised === null ? undefined : tensorFromData<Rank.R4>(cp.denoised, 'checkpoint.denoised');
    if (denoised) made.push(denoised);
    let sampler: SamplerState;
    try {
      sampler = setup.sampler.restoreState
        ? setup.sampler.restoreState(cp.sampler, 'checkpoint.sampler')
        : restoreSamplerState(cp.sampler, freshKind(setup.sampler), 'checkpoint.sampler');
    } catch (error) {
      asCheckpointError(error, 'sampler');
    }
    try {
      const hooks = statefulHooks(setup.hooks);
      hooks.forEach((h, i) => {
        try {
          h.restoreState?.(cp.hooks[i]!.state);
        } catch (error) {
          throw new CheckpointError(checkpointField(['hooks', i, 'state']), cp.hooks[i]!.state, `hook "${h.name}" rejected it: ${(error as Error).message}`);
        }
      });
      for (const r of cp.records) setup.meter.record(r);
    } catch (error) {
      setup.sampler.disposeState(sampler);
      throw error;
    }
    return {
      latent: { x, level: cp.latent.level, sigma: cp.latent.sigma },
      denoised,
      sampler,
      resizeNoise: restoreNoiseSource(cp.noise.resizer, 'checkpoint.noise.resizer'),
      samplerNoise: restoreNoiseSource(cp.noise.sampler, 'checkpoint.noise.sampler'),
      nextLevel: cp.next.level,
      cause: cp.next.cause,
    };
  } catch (error) {
    for (const t of made) t.dispose();
    throw error;
  }
}
