/**
 * Everything about a run that can be checked before a backend starts or any weights load: the
 * config, every plugin name and plugin option (the resizer's too), the schedule's grid, and,
 * when the model can describe itself from its config (`ModelFactory.describe`) or the caller
 * passed a denoiser: the resolution, the class labels, the guidance levels, the plan (a budget
 * below the cheapest plan) and, for a named backend, the memory. A run does this first
 * (setUpRun), and a server does it for a request before queueing it, so a bad input is a
 * ConfigError naming the field and value within milliseconds, never after the model loaded or
 * a worker took the run.
 */
import type { DependencyContainer } from 'tsyringe';
import { Backend, ConfigError, DenoiserFactory, PolicyFactory, PowerSpectrumToken, ResizerFactory, SamplerFactory, ScheduleFactory, UpshiftError } from '@upshift/core';
import type { Denoiser, DenoiserDescription, ModelFactory, NoiseSchedule, PluginFactory, PowerSpectrum, Resizer, Resolution, ResolutionLevel, Sampler, UpshiftPlan, UpshiftPolicy } from '@upshift/core';
import { buildPlan } from '@upshift/policies';
import { resolveAfterUpshiftOptions, withAfterUpshift } from '@upshift/samplers';
import { denoiserTraits } from './denoiser-traits.js';
import { checkGuidanceLevels } from './guidance-plan.js';
import { checkRunMemory } from './memory-check.js';
import { maxLevelOf } from './model-levels.js';
import { classLabelsOf, parsePipelineConfig } from './pipeline-config.js';
import type { PipelineConfig } from './pipeline-config.js';
import { planContext } from './plan-context.js';
import { findFactory } from './plugin-lookup.js';
import { PipelineConfigToken } from './tokens.js';

/** Resolution used when neither the config nor the denoiser gives one. */
export const DEFAULT_RESOLUTION: Resolution = Object.freeze({ height: 64, width: 64 });

/** Inputs of {@link preflightRun}. */
export interface RunPreflightInput {
  /** Holds the plugin factories. */
  readonly root: DependencyContainer;
  /** Where the run's plugins are built (a child of `root`; the caller disposes it). */
  readonly child: DependencyContainer;
  /** The untrusted config. */
  readonly config: unknown;
  /** A denoiser the caller passes instead of `config.model` (its traits describe the model). */
  readonly denoiser?: Denoiser;
  /**
   * Check that one full-resolution model call fits this backend's memory (a registered backend
   * name; `auto` and unknown names are not checked here) with the batch split over `workers`.
   */
  readonly memory?: { readonly backend: string; readonly workers?: number };
  /** How the model is described (default: `factory.describe(options)`; a RunPlanner caches it). */
  readonly describe?: (factory: ModelFactory, model: string, options: unknown) => Promise<DenoiserDescription | undefined>;
}

/** What the preflight built and learned. */
export interface RunPreflight {
  readonly config: PipelineConfig;
  readonly schedule: NoiseSchedule;
  /** The sampler, wrapped for `afterUpshift` when the config asks for it. */
  readonly sampler: Sampler;
  readonly policy: UpshiftPolicy;
  readonly resizerFactory: PluginFactory<Resizer>;
  /** The model's factory (undefined when the caller passed a denoiser). */
  readonly modelFactory: ModelFactory | undefined;
  readonly sigmas: readonly number[];
  readonly labels: (number | null)[];
  /** What the model's factory said from its config alone (or the caller's denoiser's traits). */
  readonly described: DenoiserDescription | undefined;
  /** Known before the weights load when the model could be described. */
  readonly resolution: Resolution | undefined;
  readonly maxLevel: ResolutionLevel | undefined;
  /** The plan, when the model could be described (its FLOPs known). */
  readonly plan: UpshiftPlan | undefined;
  /** FLOPs of one call at a level (base guidance), when the plan was made. */
  readonly flopsAt: ((level: ResolutionLevel) => number) | undefined;
}

/** The caller's denoiser as a description (its traits and FLOPs). */
function describeDenoiser(denoiser: Denoiser): DenoiserDescription {
  const traits = denoiserTraits(denoiser);
  return {
    ...(traits.numLevels === undefined ? {} : { numLevels: traits.numLevels }),
    ...(traits.resolution === undefined ? {} : { resolution: traits.resolution }),
    ...(traits.sideMultiple === undefined ? {} : { sideMultiple: traits.sideMultiple }),
    ...(traits.spectrum === undefined ? {} : { spectrum: traits.spectrum }),
    ...(denoiser.flops ? { flops: denoiser.flops.bind(denoiser) } : {}),
  };
}

/** Throws ConfigError on the first label the model does not take. */
function checkClassLabels(labels: readonly (number | null)[], numClasses: number | undefined): void {
  if (numClasses === undefined) return;
  labels.forEach((l, i) => {
    if (l !== null && l >= numClasses) throw new ConfigError(`classLabels[${i}]`, l, numClasses > 0 ? `must be null or an integer in [0, ${numClasses - 1}]` : 'must be null (the model is unconditional)');
  });
}

/**
 * Builds the resizer once to check its options (then drops it). A resizer may need the run's
 * denoiser (registered only after the model loads): errors other than ConfigError, and a
 * detail prior missing a spectrum that only the loaded model can give, are left to the real
 * build in setUpRun.
 */
async function probeResizer(factory: PluginFactory<Resizer>, options: unknown, child: DependencyContainer, spectrum: PowerSpectrum | undefined, config: PipelineConfig): Promise<void> {
  const probe = child.createChildContainer();
  if (spectrum !== undefined) probe.register(PowerSpectrumToken, { useValue: spectrum });
  probe.register(PipelineConfigToken, { useValue: config });
  try {
    const resizer = await factory.create(options, probe);
    (resizer as { dispose?: () => void }).dispose?.();
  } catch (error) {
    if (!(error instanceof ConfigError)) return;
    if (spectrum === undefined && error.field.startsWith('resizerOptions.spectrum')) return;
    throw error;
  } finally {
    await probe.dispose();
  }
}

/**
 * Model calls per step for the plan: a sampler may say (`modelCalls(sigma, sigmaNext)`);
 * Heun is known to make 2 (1 on the last step); others 1.
 */
export function plannedModelCalls(sampler: Sampler, sigmas: readonly number[]): number[] {
  const own = (sampler as { modelCalls?: (sigma: number, sigmaNext: number) => number }).modelCalls;
  return sigmas.slice(0, -1).map((s, i) => {
    const next = sigmas[i + 1]!;
    if (typeof own === 'function') return own.call(sampler, s, next);
    return sampler.name === 'heun' && next !== 0 ? 2 : 1;
  });
}

/** Checks a schedule's grid: `steps + 1` finite sigmas, strictly decreasing, ending in 0. */
export function checkSigmaGrid(sigmas: readonly number[], steps: number, schedule: string): void {
  const ok =
    sigmas.length === steps + 1 &&
    sigmas[steps] === 0 &&
    sigmas.every((s, i) => Number.isFinite(s) && s >= 0 && (i === 0 || s < sigmas[i - 1]!));
  if (!ok) throw new UpshiftError(`schedule "${schedule}" returned an invalid grid for ${steps} steps: ${JSON.stringify(sigmas)}`);
}

/**
 * Checks a run before any backend or weights (see the module comment) and returns the plugins
 * it built in `input.child` (schedule, sampler, policy) for the run to use.
 *
 * @throws ConfigError (UnknownPluginError, ...) naming the config field and the value;
 *   ModelLoadError when the model's config cannot be read.
 */
export async function preflightRun(input: RunPreflightInput): Promise<RunPreflight> {
  const parsed = parsePipelineConfig(input.config);
  const { root, child } = input;
  const schedule = await findFactory(root, ScheduleFactory, 'schedule', parsed.schedule).create(parsed.scheduleOptions, child);
  const baseSampler = await findFactory(root, SamplerFactory, 'sampler', parsed.sampler).create(parsed.samplerOptions, child);
  const sampler = parsed.afterUpshift === undefined ? baseSampler : withAfterUpshift(baseSampler, resolveAfterUpshiftOptions(parsed.afterUpshift));
  const policy = await findFactory(root, PolicyFactory, 'policy', parsed.policy).create(parsed.policyOptions, child);
  const resizerFactory = findFactory(root, ResizerFactory, 'resizer', parsed.resizer);
  const modelFactory: ModelFactory | undefined = input.denoiser === undefined ? findFactory(root, DenoiserFactory, 'model', parsed.model) : undefined;
  const sigmas = schedule.sigmas(parsed.steps);
  checkSigmaGrid(sigmas, parsed.steps, parsed.schedule);
  const labels = classLabelsOf(parsed);

  // What the model's config says (no weights yet).
  const describe = input.describe ?? ((factory: ModelFactory, _model: string, options: unknown) => (factory.describe ? factory.describe(options) : Promise.resolve(undefined)));
  const described = input.denoiser !== undefined ? describeDenoiser(input.denoiser) : await describe(modelFactory!, parsed.model, parsed.modelOptions);
  const rootSpectrum: PowerSpectrum | undefined = root.isRegistered(PowerSpectrumToken, true) ? root.resolve(PowerSpectrumToken) : undefined;
  const spectrum = described?.spectrum ?? rootSpectrum;
  let resolution: Resolution | undefined;
  let maxLevel: ResolutionLevel | undefined;
  let plan: UpshiftPlan | undefined;
  let flopsAt: ((level: ResolutionLevel) => number) | undefined;
  if (described !== undefined) {
    resolution = parsed.resolution ?? described.resolution ?? DEFAULT_RESOLUTION;
    maxLevel = maxLevelOf(resolution, described, input.denoiser?.name ?? parsed.model);
    checkGuidanceLevels(parsed, maxLevel);
    checkClassLabels(labels, described.numClasses);
  }
  await probeResizer(resizerFactory, parsed.resizerOptions, child, spectrum, { ...parsed, ...(resolution ? { resolution } : {}) });
  if (resolution !== undefined && maxLevel !== undefined && described?.flops !== undefined) {
    const context = planContext({ config: parsed, sigmas, schedule, resolution, maxLevel, spectrum, flops: described.flops });
    plan = buildPlan(policy.name, policy.levels(context.policyContext), context.policyContext, plannedModelCalls(sampler, sigmas));
    flopsAt = context.flopsAt;
  }
  if (input.memory !== undefined) {
    const provider = root.isRegistered(Backend, true) ? root.resolveAll(Backend).find((p) => p.name === input.memory!.backend) : undefined;
    const guided = labels.some((l) => l !== null) && ((parsed.guidance ?? 1) !== 1 || (parsed.guidanceLevels ?? []).some((g) => g !== 1));
    checkRunMemory({
      backend: input.memory.backend,
      limit: provider?.memoryLimit?.(),
      described,
      resolution: resolution ?? parsed.resolution ?? DEFAULT_RESOLUTION,
      batch: Math.ceil(parsed.batch / Math.max(1, input.memory.workers ?? 1)),
      guided,
    });
  }
  return { config: parsed, schedule, sampler, policy, resizerFactory, modelFactory, sigmas, labels, described, resolution, maxLevel, plan, flopsAt };
}
