/**
 * The plans the load-aware budget may give a run: the run as requested, then the `budget`
 * policy's plans at lower FLOP fractions (a 0.05 grid down to the floor; without a floor, down
 * to the cheapest plan the budget policy can make). Each is planned ahead by the same policy
 * code the worker will run ({@link RunPlanner}), so what the budget predicts for a fraction is
 * the plan the run gets. Fractions that give the same plan are kept once (the highest).
 */
import type { UpshiftPlan } from '@upshift/core';
import type { PipelineConfig, RunPlanner } from '@upshift/pipeline';
import type { BudgetCandidate, LevelFlops } from './latency-model.js';

/** Registered name of the budget policy (@upshift/policies). */
export const BUDGET_POLICY = 'budget';

/** A candidate with the config that runs it and its plan. */
export interface PlannedCandidate extends BudgetCandidate {
  readonly config: PipelineConfig;
  readonly plan: UpshiftPlan;
}

/** Candidates of a config, or why it has none to choose from. */
export type CandidateSet =
  | { readonly candidates: readonly PlannedCandidate[]; readonly requestedFraction: number }
  | { readonly none: string; readonly plan?: UpshiftPlan };

/** FLOPs per level of a plan. */
export function planFlopsByLevel(plan: UpshiftPlan, from = 0): LevelFlops {
  const flops: number[] = [];
  for (const step of plan.steps.slice(from)) flops[step.level] = (flops[step.level] ?? 0) + step.flops;
  return Array.from(flops, (f) => f ?? 0);
}

/** The budget's own fraction of a config (none: 1, budget: its fraction), or undefined for other policies. */
export function requestedFraction(config: PipelineConfig): number | undefined {
  if (config.policy === 'none') return 1;
  if (config.policy === BUDGET_POLICY) {
    const f = (config.policyOptions as { fraction?: unknown } | undefined)?.fraction;
    return typeof f === 'number' ? f : 0.5;
  }
  return undefined;
}

/** `config` with the budget policy at `fraction` (a budget run keeps its other options). */
export function withBudget(config: PipelineConfig, fraction: number): PipelineConfig {
  const own = config.policy === BUDGET_POLICY ? ((config.policyOptions as Record<string, unknown> | undefined) ?? {}) : {};
  return { ...config, policy: BUDGET_POLICY, policyOptions: { ...own, fraction } };
}

const GRID = 0.05;
const CACHE_SIZE = 64;

/** See the module comment. */
export class BudgetCandidates {
  private readonly cache = new Map<string, Promise<CandidateSet>>();

  /** @param minFraction the lowest fraction to offer (undefined: the cheapest plan). */
  constructor(
    private readonly planner: RunPlanner,
    readonly minFraction: number | undefined,
  ) {}

  /** The candidates of `config` (cached per config, seed aside: the plan does not depend on it). */
  of(config: PipelineConfig): Promise<CandidateSet> {
    const key = JSON.stringify({ ...config, seed: 0 });
    let set = this.cache.get(key);
    if (set === undefined) {
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      set = this.make(config);
      this.cache.set(key, set);
      set.catch(() => this.cache.delete(key));
    }
    return set;
  }

  private async plan(config: PipelineConfig): Promise<UpshiftPlan | undefined> {
    try {
      const preview = await this.planner.preview(config);
      return 'plan' in preview ? preview.plan : undefined;
    } catch {
      return undefined; // below the cheapest plan
    }
  }

  private async make(config: PipelineConfig): Promise<CandidateSet> {
    const own = await this.planner.preview(config); // a config the run would refuse throws here
    if ('unknown' in own) return { none: `its plan cannot be made ahead (${own.unknown})` };
    const requested = requestedFraction(config);
    if (requested === undefined) return { none: `policy "${config.policy}" is not budgeted (only none and budget are)`, plan: own.plan };
    const candidates: PlannedCandidate[] = [{ fraction: requested, config, plan: own.plan, flops: planFlopsByLevel(own.plan) }];
    const seen = new Set([own.plan.steps.map((s) => s.level).join()]);
    const add = (fraction: number, plan: UpshiftPlan): void => {
      const levels = plan.steps.map((s) => s.level).join();
      if (seen.has(levels)) return;
      seen.add(levels);
      candidates.push({ fraction, config: withBudget(config, fraction), plan, flops: planFlopsByLevel(plan) });
    };
    const floor = this.minFraction ?? 0;
    let lowestOk = requested;
    let firstBad: number | undefined;
    for (let k = Math.ceil(requested / GRID) - 1; k >= 1; k--) {
      const fraction = Number((k * GRID).toFixed(4));
      if (fraction < floor) break;
      const plan = await this.plan(withBudget(config, fraction));
      if (plan === undefined) {
        firstBad = fraction;
        break;
      }
      add(fraction, plan);
      lowestOk = fraction;
    }
    // Without a floor, the cheapest plan lies between the last fraction that planned and the
    // first that did not (or 0): bisect for it.
    if (this.minFraction === undefined) {
      let bad = firstBad ?? 0;
      let ok = lowestOk;
      let okPlan: UpshiftPlan | undefined;
      for (let i = 0; i < 8 && ok - bad > 1e-3; i++) {
        const mid = Number(((ok + bad) / 2).toFixed(4));
        const plan = await this.plan(withBudget(config, mid));
        if (plan === undefined) bad = mid;
        else [ok, okPlan] = [mid, plan];
      }
      if (okPlan !== undefined) add(ok, okPlan);
    } else if (this.minFraction < lowestOk && (firstBad === undefined || this.minFraction > firstBad)) {
      const plan = await this.plan(withBudget(config, this.minFraction));
      if (plan !== undefined) add(this.minFraction, plan);
    }
    return { candidates, requestedFraction: requested };
  }
}
