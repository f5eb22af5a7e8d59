/**
 * A run's plan before it runs: from the config and the model's description alone (no weights
 * load, no backend starts), the same {@link UpshiftPlan} the run will announce in its `start`
 * event. A server routes a new run to the queue of its first level with it, and predicts its
 * cost; a bad config (a budget below the cheapest plan, a resolution the network cannot take)
 * fails here with the ConfigError the run would have raised later.
 */
import type { DependencyContainer } from 'tsyringe';
import { DenoiserFactory, PolicyFactory, PowerSpectrumToken, SamplerFactory, ScheduleFactory } from '@upshift/core';
import type { DenoiserDescription, ModelFactory, PowerSpectrum, Resolution, ResolutionLevel, UpshiftPlan } from '@upshift/core';
import { buildPlan } from '@upshift/policies';
import { resolveAfterUpshiftOptions, withAfterUpshift } from '@upshift/samplers';
import { checkGuidanceLevels } from './guidance-plan.js';
import { maxLevelOf } from './model-levels.js';
import { planContext } from './plan-context.js';
import { parsePipelineConfig } from './pipeline-config.js';
import { findFactory } from './plugin-lookup.js';
import { DEFAULT_RESOLUTION, checkSigmaGrid, plannedModelCalls } from './run-setup.js';

/** A plan made ahead of the run, with what it was made for. */
export interface PlanPreview {
  readonly plan: UpshiftPlan;
  /** Level-0 resolution of the run. */
  readonly resolution: Resolution;
  /** Deepest level the run may use. */
  readonly maxLevel: ResolutionLevel;
  /** FLOPs of one denoiser call at each level 0..maxLevel, with the run's base guidance. */
  readonly levelFlops: readonly number[];
}

/** Why a plan cannot be made ahead (the run would still run; its plan is known at its start). */
export type PlanPreviewGap = 'the model factory cannot describe its model' | 'the model description has no FLOP count';

/** See the module comment. */
export class RunPlanner {
  /** Model descriptions by model name and options (config.json is read once). */
  private readonly descriptions = new Map<string, Promise<DenoiserDescription | undefined>>();

  /** @param container holds the plugin factories (`registerAll`), as the runs' Pipeline does. */
  constructor(private readonly container: DependencyContainer) {}

  /**
   * The plan `config` will run with, or the reason it cannot be known ahead (a model factory
   * without `describe`, or a description without `flops`: the run's plan would count FLOPs
   * from the loaded model).
   *
   * @throws ConfigError (or UnknownPluginError) for a config the run would refuse.
   */
  async preview(config: unknown): Promise<PlanPreview | { readonly unknown: PlanPreviewGap }> {
    const parsed = parsePipelineConfig(config);
    const root = this.container;
    const described = await this.describe(findFactory(root, DenoiserFactory, 'model', parsed.model) as ModelFactory, parsed.model, parsed.modelOptions);
    if (described === undefined) return { unknown: 'the model factory cannot describe its model' };
    if (described.flops === undefined) return { unknown: 'the model description has no FLOP count' };
    const child = root.createChildContainer();
    try {
      const schedule = await findFactory(root, ScheduleFactory, 'schedule', parsed.schedule).create(parsed.scheduleOptions, child);
      const baseSampler = await findFactory(root, SamplerFactory, 'sampler', parsed.sampler).create(parsed.samplerOptions, child);
      const sampler = parsed.afterUpshift === undefined ? baseSampler : withAfterUpshift(baseSampler, resolveAfterUpshiftOptions(parsed.afterUpshift));
      const policy = await findFactory(root, PolicyFactory, 'policy', parsed.policy).create(parsed.policyOptions, child);
      const sigmas = schedule.sigmas(parsed.steps);
      checkSigmaGrid(sigmas, parsed.steps, parsed.schedule);
      const resolution = parsed.resolution ?? described.resolution ?? DEFAULT_RESOLUTION;
      const maxLevel = maxLevelOf(resolution, described, parsed.model);
      checkGuidanceLevels(parsed, maxLevel);
      const spectrum: PowerSpectrum | undefined = described.spectrum ?? (root.isRegistered(PowerSpectrumToken, true) ? root.resolve(PowerSpectrumToken) : undefined);
      const { policyContext, flopsAt } = planContext({ config: parsed, sigmas, schedule, resolution, maxLevel, spectrum, flops: described.flops });
      const plan = buildPlan(policy.name, policy.levels(policyContext), policyContext, plannedModelCalls(sampler, sigmas));
      return { plan, resolution, maxLevel, levelFlops: Array.from({ length: maxLevel + 1 }, (_, level) => flopsAt(level)) };
    } finally {
      await child.dispose();
    }
  }

  private describe(factory: ModelFactory, model: string, options: unknown): Promise<DenoiserDescription | undefined> {
    if (typeof factory.describe !== 'function') return Promise.resolve(undefined);
    const key = `${model}\u0000${JSON.stringify(options ?? null)}`;
    let description = this.descriptions.get(key);
    if (description === undefined) {
      description = factory.describe(options);
      this.descriptions.set(key, description);
      // A failed description (a missing model) is not kept: the next request tries again.
      description.catch(() => this.descriptions.delete(key));
    }
    return description;
  }
}
