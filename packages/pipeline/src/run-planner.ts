/**
 * A run's plan before it runs: from the config and the model's description alone (no weights
 * load, no backend starts), the same {@link UpshiftPlan} the run will announce in its `start`
 * event. A server routes a new run to the queue of its first level with it, and predicts its
 * cost; a bad config (a budget below the cheapest plan, a resolution the network cannot take,
 * a class the model does not know, bad resizer options) fails here with the ConfigError the run
 * would have raised later: the planner runs the run's own preflight (run-preflight.ts).
 */
import type { DependencyContainer } from 'tsyringe';
import type { DenoiserDescription, ModelFactory, Resolution, ResolutionLevel, UpshiftPlan } from '@upshift/core';
import { preflightRun } from './run-preflight.js';

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
    const root = this.container;
    const child = root.createChildContainer();
    try {
      // The run's own checks before any backend or weights, with this planner's cached descriptions.
      const pre = await preflightRun({ root, child, config, describe: (factory, model, options) => this.describe(factory, model, options) });
      if (pre.described === undefined) return { unknown: 'the model factory cannot describe its model' };
      if (pre.plan === undefined || pre.flopsAt === undefined || pre.resolution === undefined || pre.maxLevel === undefined) return { unknown: 'the model description has no FLOP count' };
      const { plan, resolution, maxLevel, flopsAt } = pre;
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
