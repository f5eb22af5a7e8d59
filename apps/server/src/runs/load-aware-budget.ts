/**
 * The load-aware budget: when the queue grows, lower each new run's FLOP budget (through the
 * `budget` policy) so that its predicted latency stays under a p95 target, and raise it again
 * as the queue drains. The prediction is deliberately simple and stated in each decision:
 *
 *   service(f) = f * msPerRun            (msPerRun: EWMA of finished runs' step time / FLOP fraction)
 *   wait       = work ahead * msPerRun / slots   (work ahead: FLOP fractions of runs queued or running)
 *   predicted(f) = wait + service(f)
 *
 * and the budget is the largest f in [minFraction, requested] with predicted(f) <= target.
 * A worker takes a second look when it starts the run ({@link budgetAtStart}): the wait is then
 * known, so if it ran over the prediction the run's budget is lowered to what is left of the
 * target (at most the submit-time budget; never raised).
 * Only runs whose policy is `none` (fraction 1) or `budget` (its own fraction) are budgeted:
 * other policies' costs are not known before planning, so they pass unchanged (and say so).
 */
/** Registered name of the budget policy (@upshift/policies). */
const BUDGET_POLICY = 'budget';
import type { PipelineConfig } from '@upshift/pipeline';
import type { BudgetDecision } from './run-record.js';
import { ServiceTime } from './service-time.js';

/** Options of {@link LoadAwareBudget}. */
export interface LoadAwareBudgetOptions {
  /** The p95 latency (queue wait + run) to hold, in ms. */
  readonly targetP95Ms: number;
  /** The lowest FLOP fraction it gives a run (default 0.25). */
  readonly minFraction?: number;
  /** Full-resolution run time assumed before the first run finishes, in ms (default: no budgeting until then). */
  readonly initialRunMs?: number;
  /** Weight of the newest observation in the EWMA (default 0.3). */
  readonly smoothing?: number;
}

/** What the queue looks like when a run is submitted. */
export interface LoadSnapshot {
  /** Sum of FLOP fractions of the runs queued or running. */
  readonly workAhead: number;
  /** Runs queued or running. */
  readonly runsAhead: number;
  /** Worker slots. */
  readonly slots: number;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** See the module comment. */
export class LoadAwareBudget {
  private readonly service: ServiceTime;
  private readonly latencies: number[] = [];
  readonly minFraction: number;

  constructor(readonly options: LoadAwareBudgetOptions) {
    this.minFraction = options.minFraction ?? 0.25;
    this.service = new ServiceTime(options.smoothing ?? 0.3, options.initialRunMs);
  }

  private get msPerRun(): number | undefined {
    return this.service.msPerRun;
  }

  /** Records a finished run: its step time, FLOP fraction and end-to-end latency. */
  observe(run: { readonly serviceMs: number; readonly flopFraction: number; readonly latencyMs: number }): void {
    this.service.observe(run.serviceMs, run.flopFraction);
    this.latencies.push(run.latencyMs);
    if (this.latencies.length > 100) this.latencies.shift();
  }

  /** p95 of the last 100 finished runs' latencies (ms), or undefined before any. */
  p95(): number | undefined {
    if (this.latencies.length === 0) return undefined;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  }

  /** The FLOP fraction a run of `config` would spend without a budget, if known (none: 1, budget: its fraction). */
  static requestedFraction(config: PipelineConfig): number | undefined {
    if (config.policy === 'none') return 1;
    if (config.policy === BUDGET_POLICY) {
      const f = (config.policyOptions as { fraction?: unknown } | undefined)?.fraction;
      return typeof f === 'number' ? f : 0.5;
    }
    return undefined;
  }

  /** Decides the budget of a new run and returns the config to run with it. */
  decide(config: PipelineConfig, load: LoadSnapshot): { config: PipelineConfig; decision: BudgetDecision } {
    const target = this.options.targetP95Ms;
    const requested = LoadAwareBudget.requestedFraction(config);
    const base = { targetP95Ms: target, requestedPolicy: config.policy, minFraction: this.minFraction, msPerRun: this.msPerRun === undefined ? null : Math.round(this.msPerRun) };
    const queue = `${load.runsAhead} run(s) ahead (${round(load.workAhead, 2)} full-run equivalents) on ${load.slots} slot(s)`;
    if (requested === undefined) {
      return { config, decision: { ...base, fraction: null, predictedMs: NaN, reason: `policy "${config.policy}" is not budgeted (only none and budget are); ${queue}` } };
    }
    const msPerRun = this.msPerRun;
    if (msPerRun === undefined) {
      return { config, decision: { ...base, fraction: null, predictedMs: NaN, reason: `no finished run yet to predict from; ${queue}` } };
    }
    const wait = (load.workAhead * msPerRun) / Math.max(1, load.slots);
    const predicted = (f: number): number => wait + f * msPerRun;
    const model = `wait ${Math.round(wait)} ms + f x ${Math.round(msPerRun)} ms per full run`;
    if (predicted(requested) <= target) {
      return {
        config,
        decision: { ...base, fraction: null, predictedMs: Math.round(predicted(requested)), reason: `${queue}: predicted ${Math.round(predicted(requested))} ms at the requested ${round(requested)} <= target ${target} ms (${model})` },
      };
    }
    const fit = (target - wait) / msPerRun;
    const fraction = round(Math.max(this.minFraction, Math.min(requested, fit)));
    const why =
      fit >= this.minFraction
        ? `lowered to ${fraction} to hold the target`
        : `at the floor ${this.minFraction}: even it misses the target`;
    const policyOptions = { ...((config.policyOptions as Record<string, unknown> | undefined) ?? {}), fraction };
    return {
      config: { ...config, policy: BUDGET_POLICY, policyOptions },
      decision: {
        ...base,
        fraction,
        predictedMs: Math.round(predicted(fraction)),
        reason: `${queue}: predicted ${Math.round(predicted(requested))} ms at ${round(requested)} > target ${target} ms; ${why}, predicted ${Math.round(predicted(fraction))} ms (${model})`,
      },
    };
  }
}

/**
 * The worker's second look at a budgeted run as it starts (fresh, not resumed): the time left of
 * the p95 target after the wait it had, and the fraction that fits it with `msPerRun` (the
 * worker's own estimate, else the server's). Returns the config to run and the updated decision,
 * or undefined when nothing changes (no budget, a policy that is not budgeted, no estimate).
 */
export function budgetAtStart(
  config: PipelineConfig,
  decision: BudgetDecision | undefined,
  createdAt: string,
  now: number,
  workerMsPerRun: number | undefined,
): { config: PipelineConfig; decision: BudgetDecision } | undefined {
  if (decision === undefined) return undefined;
  const current = LoadAwareBudget.requestedFraction(config);
  const msPerRun = workerMsPerRun ?? decision.msPerRun ?? undefined;
  if (current === undefined || msPerRun === undefined || !(msPerRun > 0)) return undefined;
  const waitedMs = Math.max(0, now - Date.parse(createdAt));
  const leftMs = decision.targetP95Ms - waitedMs;
  const fit = leftMs / msPerRun;
  const base = { waitedMs: Math.round(waitedMs), leftMs: Math.round(leftMs), msPerRun: Math.round(msPerRun) };
  if (fit >= current) {
    const atStart = { ...base, fraction: null, reason: `waited ${base.waitedMs} ms; ${base.leftMs} ms left of the target fit ${round(current)} (${base.msPerRun} ms per full run)` };
    return { config, decision: { ...decision, atStart } };
  }
  const fraction = round(Math.max(decision.minFraction, fit));
  const why = fit >= decision.minFraction ? `lowered to ${fraction}` : `at the floor ${decision.minFraction} (the target is missed)`;
  const atStart = { ...base, fraction, reason: `waited ${base.waitedMs} ms; ${base.leftMs} ms left of the target fit ${round(Math.max(0, fit))} of a full run (${base.msPerRun} ms each): ${why}` };
  const policyOptions = { ...((config.policyOptions as Record<string, unknown> | undefined) ?? {}), fraction };
  return { config: { ...config, policy: BUDGET_POLICY, policyOptions }, decision: { ...decision, fraction, atStart } };
}
