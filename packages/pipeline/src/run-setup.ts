/**
 * Everything a run decides before its first model call: the validated config, the plugins
 * (chosen by name from the root container's factories, built in the run's child container),
 * the active backend, the denoiser, the sigma grid, the policy context and the plan.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DependencyContainer } from 'tsyringe';
import { AUTO_BACKEND, selectBackend } from '@upshift/backend-cpu';
import { Backend, ComputeMeterToken, DenoiserPoolToken, DenoiserToken, NoiseScheduleToken, NoiseSourceToken, PowerSpectrumToken, ResizerToken, SamplerToken, StepHookToken, UnknownPluginError, UpshiftPolicyToken, createNoiseSource } from '@upshift/core';
import type {
  BackendProvider,
  Denoiser,
  DenoiserContext,
  DenoiserPool,
  DenoiserPoolProvider,
  DenoiserPoolSpec,
  NoiseSchedule,
  NoiseSource,
  PluginFactory,
  PolicyContext,
  PowerSpectrum,
  Resizer,
  Resolution,
  ResolutionLevel,
  Sampler,
  StepHook,
  UpshiftPlan,
  UpshiftPolicy,
} from '@upshift/core';
import { buildPlan } from '@upshift/policies';
import { createComputeMeter } from '@upshift/metrics';
import type { RecordingComputeMeter } from '@upshift/metrics';
import { denoiserTraits } from './denoiser-traits.js';
import { checkGuidanceLevels } from './guidance-plan.js';
import { checkRunMemory } from './memory-check.js';
import { maxLevelOf } from './model-levels.js';
import { planContext } from './plan-context.js';
import type { PipelineConfig } from './pipeline-config.js';
import type { RunControl } from './run-control.js';
import { throwIfCancelled } from './run-control.js';
import { DEFAULT_RESOLUTION, plannedModelCalls, preflightRun } from './run-preflight.js';
import { PipelineConfigToken } from './tokens.js';
import { resolveWorkerCount } from './worker-count.js';

export { DEFAULT_RESOLUTION, checkSigmaGrid, plannedModelCalls } from './run-preflight.js';

/** How a run gets its denoiser (the Pipeline's cache, or one the caller passed in). */
export type DenoiserSource = (factory: PluginFactory<Denoiser>, config: PipelineConfig, backend: string) => Promise<Denoiser>;

/** How a run gets a denoiser pool (the Pipeline's cache): `local` is the model on this thread. */
export type DenoiserPoolSource = (provider: DenoiserPoolProvider, spec: DenoiserPoolSpec, workers: number, local: Denoiser) => Promise<DenoiserPool>;

/** Inputs of {@link setUpRun}. */
export interface RunSetupInput {
  readonly root: DependencyContainer;
  readonly child: DependencyContainer;
  readonly config: unknown;
  readonly control: RunControl;
  readonly log: (message: string) => void;
  /** Diagnostics in the log lines (the backend's source). */
  readonly verbose?: boolean;
  /** A denoiser to use instead of `config.model` (not disposed by the run). */
  readonly denoiser?: Denoiser;
  readonly denoiserSource: DenoiserSource;
  /** Where pools come from when `workers` resolves to more than one (without it: this thread). */
  readonly poolSource?: DenoiserPoolSource;
  /** Hooks given to this run, after the container's StepHookToken hooks. */
  readonly hooks?: readonly StepHook[];
  /** The Pipeline's memory of what `"auto"` chose (see {@link activateBackend}). */
  readonly autoBackend?: AutoBackendMemo;
}

/** The decided run. */
export interface RunSetup {
  /** The validated config, with the resolution the run uses. */
  readonly config: PipelineConfig & { readonly resolution: Resolution };
  readonly backend: string;
  /** The run's denoiser: the model on this thread, or a pool of `workers` workers. */
  readonly denoiser: Denoiser;
  /** Threads the model calls run on (1 = this thread). */
  readonly workers: number;
  readonly sampler: Sampler;
  readonly schedule: NoiseSchedule;
  readonly policy: UpshiftPolicy;
  readonly resizer: Resizer;
  readonly sigmas: readonly number[];
  readonly policyContext: PolicyContext;
  readonly plan: UpshiftPlan;
  readonly hooks: readonly StepHook[];
  readonly noise: NoiseSource;
  readonly meter: RecordingComputeMeter;
  /** Conditioning of every call (the level is added per step, and the guidance scale when it varies). */
  readonly conditioning: Omit<DenoiserContext, 'level'>;
  /** FLOPs of one denoiser call at a level with the run's base guidance (memoised). */
  readonly flopsAt: (level: ResolutionLevel) => number;
  /** The denoiser context of step `index` at `level` (guidance per level / interval applied). */
  readonly contextAt: (index: number, level: ResolutionLevel) => DenoiserContext;
  /** FLOPs of one denoiser call at step `index` and `level` (guidance per level / interval applied). */
  readonly flopsAtStep: (index: number, level: ResolutionLevel) => number;
}

/**
 * What `"auto"` chose in earlier runs of one Pipeline, so that auto-selection (probing every
 * backend, and its log line) happens once per Pipeline rather than once per run.
 */
export interface AutoBackendMemo {
  /** The provider auto-selection picked; undefined until the first `"auto"` run. */
  provider: BackendProvider | undefined;
}

/**
 * Activates the backend named in the config. With no provider registered, `"auto"` keeps the
 * active tfjs backend (the application set tfjs up itself). With `memo`, `"auto"` re-activates
 * the provider an earlier run picked (without probing or logging again); if that fails, it
 * selects afresh.
 */
export async function activateBackend(
  container: DependencyContainer,
  request: string,
  log: (message: string) => void,
  memo?: AutoBackendMemo,
  verbose = false,
): Promise<string> {
  const providers = container.isRegistered(Backend, true) ? container.resolveAll(Backend) : [];
  const auto = request.trim().toLowerCase() === AUTO_BACKEND;
  if (providers.length === 0) {
    if (auto) {
      await tf.ready();
      return tf.getBackend();
    }
    throw new UnknownPluginError('backend', request, [AUTO_BACKEND]);
  }
  const remembered = auto ? memo?.provider : undefined;
  if (remembered !== undefined && providers.includes(remembered)) {
    try {
      await remembered.activate();
      return remembered.name;
    } catch {
      // It ran before but cannot now (e.g. a lost GPU device that cannot be replaced): select again.
      memo!.provider = undefined;
    }
  }
  const selection = await selectBackend(providers, request, { log, verbose });
  if (selection.auto && memo !== undefined) memo.provider = selection.provider;
  return selection.name;
}

/**
 * Checks what can be checked before any backend or weights (preflightRun: the config, plugins
 * and their options, the model's description, the plan), activates the backend, loads the model
 * (or starts a pool), builds the run's plugins in `input.child` (registering the run-scoped
 * tokens there) and makes the plan from the loaded denoiser.
 */
export async function setUpRun(input: RunSetupInput): Promise<RunSetup> {
  const { root, child, control } = input;
  const pre = await preflightRun({ root, child, config: input.config, ...(input.denoiser ? { denoiser: input.denoiser } : {}) });
  const { config: parsed, schedule, sampler, policy, resizerFactory, modelFactory, sigmas, labels, described } = pre;

  throwIfCancelled(control);
  const backend = await activateBackend(root, parsed.backend, input.log, input.autoBackend, input.verbose);
  throwIfCancelled(control);
  // Decided before any model loads, so an impossible explicit count fails early.
  const poolProvider = input.poolSource && root.isRegistered(DenoiserPoolToken, true) ? root.resolve(DenoiserPoolToken) : undefined;
  const guidable = labels.some((l) => l !== null) && ((parsed.guidance ?? 1) !== 1 || (parsed.guidanceLevels ?? []).some((g) => g !== 1));
  const { workers } = resolveWorkerCount({
    requested: parsed.workers ?? 1,
    provider: poolProvider,
    backend,
    callerDenoiser: input.denoiser !== undefined,
    maxRows: parsed.batch * (guidable ? 2 : 1),
  });
  // Before the model loads: can one full-resolution model call fit this backend's memory? (With
  // a pool, each worker has its own backend and takes its share of the rows.)
  const provider = root.isRegistered(Backend, true) ? root.resolveAll(Backend).find((p) => p.name === backend) : undefined;
  checkRunMemory({
    backend,
    limit: provider?.memoryLimit?.(),
    described: modelFactory === undefined ? undefined : described,
    resolution: pre.resolution ?? parsed.resolution ?? DEFAULT_RESOLUTION,
    batch: Math.ceil(parsed.batch / Math.max(1, workers)),
    guided: guidable,
  });
  const local = input.denoiser ?? (await input.denoiserSource(modelFactory!, parsed, backend));
  throwIfCancelled(control);

  const traits = denoiserTraits(local);
  const resolution = parsed.resolution ?? traits.resolution ?? DEFAULT_RESOLUTION;
  const maxLevel = maxLevelOf(resolution, traits, input.denoiser?.name ?? parsed.model);
  checkGuidanceLevels(parsed, maxLevel);
  const spectrum: PowerSpectrum | undefined =
    traits.spectrum ?? (root.isRegistered(PowerSpectrumToken, true) ? root.resolve(PowerSpectrumToken) : undefined);
  if (spectrum !== undefined) child.register(PowerSpectrumToken, { useValue: spectrum });
  const denoiser =
    workers > 1 ? await input.poolSource!(poolProvider!, { model: parsed.model, modelOptions: parsed.modelOptions, backend }, workers, local) : local;
  throwIfCancelled(control);
  const config = { ...parsed, resolution };
  child.register(PipelineConfigToken, { useValue: config });
  child.register(DenoiserToken, { useValue: denoiser });
  const resizer = await resizerFactory.create(parsed.resizerOptions, child);

  const { conditioning, policyContext, flopsAt, contextAt, flopsAtStep } = planContext({
    config: parsed,
    sigmas,
    schedule,
    resolution,
    maxLevel,
    spectrum,
    flops: denoiser.flops ? denoiser.flops.bind(denoiser) : undefined,
  });
  const plan = buildPlan(policy.name, policy.levels(policyContext), policyContext, plannedModelCalls(sampler, sigmas));
  const hooks = [
    ...(child.isRegistered(StepHookToken, true) ? child.resolveAll(StepHookToken) : []),
    ...(input.hooks ?? []),
    ...(policy.hook ? [policy.hook(policyContext)] : []),
  ];

  const noise = createNoiseSource(parsed.seed);
  const meter = createComputeMeter();
  child.register(SamplerToken, { useValue: sampler });
  child.register(NoiseScheduleToken, { useValue: schedule });
  child.register(ResizerToken, { useValue: resizer });
  child.register(UpshiftPolicyToken, { useValue: policy });
  child.register(NoiseSourceToken, { useValue: noise });
  child.register(ComputeMeterToken, { useValue: meter });

  return { config, backend, denoiser, workers, sampler, schedule, policy, resizer, sigmas, policyContext, plan, hooks, noise, meter, conditioning, flopsAt, contextAt, flopsAtStep };
}
