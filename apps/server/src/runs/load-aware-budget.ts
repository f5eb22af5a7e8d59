/**
 * The load-aware budget: when the queue grows, lower each new run's FLOP budget (through the
 * `budget` policy) so that its predicted latency stays under a p95 target, and raise it again
 * as the queue drains. The prediction (latency-model.ts) is made from the work ahead of the run
 * (the running runs' remaining FLOPs, the queued runs' planned FLOPs, both per level, from their
 * plans and step events) and the measured per-slot FLOP rate per level (every run's step
 * events); the budget is the most expensive plan (budget-candidates.ts) predicted to finish
 * within the target less a margin. Each decision is recorded on the run, with its numbers.
 *
 * A worker takes a second look when it first starts the run ({@link budgetAtStart}): the wait is
 * then known, so if it ran over the prediction the run's budget is lowered to what still fits
 * (never raised: the runs queued behind it were predicted with its planned FLOPs).
 * Only runs whose policy is `none` (fraction 1) or `budget` (its own fraction) are budgeted;
 * other policies run as requested, and their planned FLOPs count in the work ahead.
 */
import type { UpshiftPlan } from '@upshift/core';
import type { PipelineConfig, RunPlanner } from '@upshift/pipeline';
import { BudgetCandidates, planFlopsByLevel, requestedFraction } from './budget-candidates.js';
import type { CandidateSet, PlannedCandidate } from './budget-candidates.js';
import { chooseBudget } from './latency-model.js';
import type { LevelFlops, QueueLoad, StepRates } from './latency-model.js';
import type { BudgetDecision, RunEvent } from './run-record.js';
import { StepRateMeter } from './step-rates.js';

/** Options of {@link LoadAwareBudget}. */
export interface LoadAwareBudgetOptions {
  /** The p95 latency (queue wait + run) to hold, in ms. */
  readonly targetP95Ms: number;
  /** The lowest FLOP fraction it gives a run (default: the cheapest plan the budget policy makes). */
  readonly minFraction?: number;
  /** Share of the target kept free for what the prediction misses (default 0.1). */
  readonly margin?: number;
}

/** Defaults of the optional {@link LoadAwareBudgetOptions}. */
export const LOAD_AWARE_BUDGET_DEFAULTS = Object.freeze({ margin: 0.1 });

/** A run this server submitted that has not finished: its plan and how far it got. */
interface TrackedRun {
  steps: UpshiftPlan['steps'] | undefined;
  /** Index of its next step. */
  next: number;
  running: boolean;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
const sum = (xs: LevelFlops): number => xs.reduce((a, b) => a + b, 0);
const gflop = (flops: number): number => round(flops / 1e9, 1);

/** The rates as JSON (null where a level was not measured). */
function ratesJson(rates: StepRates): { msPerGflop: (number | null)[]; overheadMs: number } {
  return { msPerGflop: Array.from(rates.msPerGflop, (r) => (r === undefined ? null : round(r, 2))), overheadMs: Math.round(rates.overheadMs) };
}

/** See the module comment. */
export class LoadAwareBudget {
  /** Step rates measured from every run's step events. */
  readonly meter = new StepRateMeter();
  readonly candidates: BudgetCandidates;
  readonly margin: number;
  private readonly runs = new Map<string, TrackedRun>();

  constructor(
    readonly options: LoadAwareBudgetOptions,
    planner: RunPlanner,
  ) {
    this.margin = options.margin ?? LOAD_AWARE_BUDGET_DEFAULTS.margin;
    this.candidates = new BudgetCandidates(planner, options.minFraction);
  }

  /** Starts following a run this server submitted (its plan, when known ahead; `next`: the step it starts at). */
  track(id: string, plan: UpshiftPlan | undefined, next = 0): void {
    this.runs.set(id, { steps: plan?.steps, next, running: false });
  }

  /** Follows an event of any run: steps feed the rates; this server's runs move through the queue. */
  observe(id: string, event: RunEvent): void {
    if (event.type === 'step') this.meter.observeStep(event.level, event.flops, event.ms);
    if (event.type === 'done' && event.overheadMs !== undefined) this.meter.observeOverhead(event.overheadMs);
    const run = this.runs.get(id);
    if (run === undefined) return;
    switch (event.type) {
      case 'start':
        run.steps = event.plan.steps;
        run.next = event.resumedAt;
        run.running = true;
        break;
      case 'step':
        run.next = event.index + 1;
        break;
      case 'queued':
        run.running = false;
        break;
      case 'done':
      case 'failed':
      case 'cancelled':
        this.runs.delete(id);
        break;
      default:
        break;
    }
  }

  /** Stops following a run (it was lost with its store). */
  forget(id: string): void {
    this.runs.delete(id);
  }

  /** What is ahead of a new run, or how many runs ahead have no known plan. */
  load(slots: number): QueueLoad & { readonly unknown: number } {
    const running: LevelFlops[] = [];
    const queued: LevelFlops[] = [];
    let unknown = 0;
    for (const run of this.runs.values()) {
      if (run.steps === undefined) {
        unknown++;
        continue;
      }
      const left = planFlopsByLevel({ steps: run.steps } as UpshiftPlan, run.next);
      (run.running ? running : queued).push(left);
    }
    return { slots, running, queued, unknown };
  }

  /**
   * Decides the budget of new run `id`, starts following it (so the next decision counts it
   * ahead), and returns the config to run with and its plan (when known ahead).
   * @throws ConfigError for a config the run would refuse (from its planning).
   */
  async decide(id: string, config: PipelineConfig, slots: number): Promise<{ config: PipelineConfig; decision: BudgetDecision; plan: UpshiftPlan | undefined }> {
    const set = await this.candidates.of(config);
    // From here on synchronous: concurrent requests decide one after the other, each seeing the
    // runs decided before it as queued.
    const decided = this.choose(config, slots, set);
    this.track(id, decided.plan);
    return decided;
  }

  private choose(config: PipelineConfig, slots: number, set: CandidateSet): { config: PipelineConfig; decision: BudgetDecision; plan: UpshiftPlan | undefined } {
    const target = this.options.targetP95Ms;
    const base = {
      targetP95Ms: target,
      margin: this.margin,
      requestedPolicy: config.policy,
      requestedFraction: 'candidates' in set ? set.requestedFraction : null,
      minFraction: this.options.minFraction ?? null,
    };
    const unchanged = (reason: string, plan: UpshiftPlan | undefined) => ({ config, plan, decision: { ...base, fraction: null, predictedMs: null, reason } });
    if ('none' in set) return unchanged(set.none, set.plan);
    const { candidates } = set;
    const requestedPlan = candidates[0]!.plan;
    const load = this.load(slots);
    const queue = `${load.running.length} running and ${load.queued.length} queued ahead on ${slots} slot(s)`;
    if (load.unknown > 0) return unchanged(`${queue}; ${load.unknown} of them without a plan known ahead: no prediction`, requestedPlan);
    const rates = this.meter.rates;
    if (rates === undefined) return unchanged(`${queue}; no step measured yet to predict from`, requestedPlan);
    const choice = chooseBudget({ targetMs: target, margin: this.margin, candidates, load, rates })!;
    const chosen = candidates[choice.index]!;
    const prediction = {
      startMs: Math.round(choice.startMs),
      serviceMs: Math.round(choice.serviceMs),
      requestedMs: Math.round(choice.requestedMs),
      limitMs: Math.round(choice.limitMs),
      slots,
      running: load.running.length,
      queued: load.queued.length,
      workAheadGflop: gflop(sum(load.running.map(sum)) + sum(load.queued.map(sum))),
      plannedGflop: gflop(chosen.plan.flops),
      plannedFlopFraction: round(chosen.plan.flopFraction),
      candidates: candidates.length,
      ...ratesJson(rates),
    };
    const model = `start in ${prediction.startMs} ms + overhead ${prediction.overheadMs} ms + steps ${prediction.serviceMs} ms`;
    const aim = `target ${target} ms less ${Math.round(this.margin * 100)} % = ${prediction.limitMs} ms`;
    const ahead = `${queue} (${prediction.workAheadGflop} GFLOP)`;
    if (choice.index === 0) {
      const reason = `${ahead}: predicted ${Math.round(choice.requestedMs)} ms as requested (${model}) ${choice.fits ? '<=' : '>'} ${aim}${choice.fits ? '' : '; it is already the cheapest plan'}`;
      return { config, plan: requestedPlan, decision: { ...base, fraction: null, predictedMs: Math.round(choice.predictedMs), reason, prediction } };
    }
    const why = choice.fits
      ? `lowered to ${chosen.fraction} (plan ${prediction.plannedFlopFraction} of full FLOPs), predicted ${Math.round(choice.predictedMs)} ms (${model})`
      : `even the cheapest plan (${chosen.fraction}) is predicted ${Math.round(choice.predictedMs)} ms (${model}): the target is missed`;
    const reason = `${ahead}: predicted ${Math.round(choice.requestedMs)} ms as requested > ${aim}; ${why}`;
    return { config: chosen.config, plan: chosen.plan, decision: { ...base, fraction: chosen.fraction, predictedMs: Math.round(choice.predictedMs), reason, prediction } };
  }
}

/**
 * The worker's second look at a budgeted run as it first starts: the time it waited is known,
 * so the plan is re-chosen among the candidates no more expensive than the one it got, with the
 * worker's own measured rates (else those the server decided with). Returns the config to run
 * and the updated decision, or undefined when nothing is to be decided (no budget on the run, a
 * policy that is not budgeted, nothing measured).
 */
export async function budgetAtStart(
  config: PipelineConfig,
  decision: BudgetDecision | undefined,
  createdAt: string,
  now: number,
  candidatesOf: (config: PipelineConfig) => Promise<readonly PlannedCandidate[] | undefined>,
  workerRates: StepRates | undefined,
): Promise<{ config: PipelineConfig; decision: BudgetDecision } | undefined> {
  if (decision === undefined || requestedFraction(config) === undefined) return undefined;
  const recorded = decision.prediction;
  const rates: StepRates | undefined =
    workerRates ?? (recorded ? { msPerGflop: recorded.msPerGflop.map((r) => r ?? undefined), overheadMs: recorded.overheadMs } : undefined);
  if (rates === undefined) return undefined;
  const candidates = await candidatesOf(config);
  if (candidates === undefined) return undefined;
  const waitedMs = Math.max(0, now - Date.parse(createdAt));
  const choice = chooseBudget({ targetMs: decision.targetP95Ms, margin: decision.margin, candidates, load: { slots: 1, running: [], queued: [] }, rates, waitedMs });
  if (choice === undefined) return undefined;
  const chosen = candidates[choice.index]!;
  const base = { waitedMs: Math.round(waitedMs), predictedMs: Math.round(choice.predictedMs), ...ratesJson(rates), rates: workerRates ? ('worker' as const) : ('server' as const) };
  const told = `waited ${base.waitedMs} ms; predicted ${Math.round(choice.requestedMs)} ms with the plan it got`;
  if (choice.index === 0) {
    const atStart = { ...base, fraction: null, reason: `${told} ${choice.fits ? '<=' : '>'} ${Math.round(choice.limitMs)} ms: kept` };
    return { config, decision: { ...decision, atStart } };
  }
  const why = choice.fits ? `lowered to ${chosen.fraction}, predicted ${base.predictedMs} ms` : `lowered to the cheapest plan (${chosen.fraction}), predicted ${base.predictedMs} ms: the target is missed`;
  const atStart = { ...base, fraction: chosen.fraction, reason: `${told} > ${Math.round(choice.limitMs)} ms: ${why}` };
  return { config: chosen.config, decision: { ...decision, fraction: chosen.fraction, predictedMs: base.predictedMs, atStart } };
}
