/**
 * Budget policy: given a target FLOP fraction, picks the switch points that meet it with the
 * least expected loss under the spectral model (spectral-model.ts: restoring band k at noise
 * s_r loses sum n(f) [S^2/(S + s_r^2) - S^2/(S + s_0^2)] of determined signal power).
 *
 * Plans are monotone: the run starts at level L and upshifts; `restore[k]` is the first step
 * at a level below k (k = 1..L), restore[1] >= restore[2] >= ... >= restore[L]. FLOPs and loss
 * are both sums over k, and for fixed outer switch points the loss grows and the FLOPs fall
 * with the last one, so the search enumerates restore[1..L-1] and takes the smallest feasible
 * restore[L] directly: O(steps^(L-1)).
 */
import { ConfigError } from '@upshift/core';
import type { PluginFactory, PolicyContext, PowerSpectrum, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { buildPlan } from './build-plan.js';
import {
  checkMaxLevel,
  checkSigmas,
  field,
  optionsRecord,
  readLevel,
  readNumber,
  spectrumFor,
  validateSpectrum,
} from './policy-options.js';
import { bandLoss, spectralBins } from './spectral-model.js';

/** Registered name of the budget policy. */
export const BUDGET_POLICY = 'budget';

/** Options of the budget policy. */
export interface BudgetPolicyOptions {
  /** Target FLOPs relative to the full-resolution plan, in (0, 1]. */
  readonly fraction: number;
  /** Deepest level to consider (default min(2, ctx.maxLevel); at most 3). */
  readonly maxLevel?: number;
  /** The data spectrum (default: ctx.spectrum). */
  readonly spectrum?: PowerSpectrum;
}

/** Defaults: half the full-resolution FLOPs. */
export const BUDGET_POLICY_DEFAULTS: BudgetPolicyOptions = { fraction: 0.5 };

/** Validates untrusted options (JSON). */
export function resolveBudgetPolicyOptions(options: unknown): BudgetPolicyOptions {
  const record = optionsRecord(options, ['fraction', 'maxLevel', 'spectrum']);
  const at = 'policyOptions';
  const fraction = readNumber(record, 'fraction', at, BUDGET_POLICY_DEFAULTS.fraction, { min: 0, minExclusive: true, max: 1 }) as number;
  const maxLevel = readLevel(record, 'maxLevel', at, undefined, 1);
  if (maxLevel !== undefined && maxLevel > 3) throw new ConfigError(field('maxLevel'), maxLevel, 'the budget search supports at most 3 levels');
  const spectrum = record['spectrum'] === undefined ? undefined : validateSpectrum(field('spectrum'), record['spectrum']);
  return { fraction, ...(maxLevel === undefined ? {} : { maxLevel }), ...(spectrum ? { spectrum } : {}) };
}

/** The chosen plan with its modelled loss. */
export interface BudgetSolution {
  /** Level per step. */
  readonly levels: ResolutionLevel[];
  /** Modelled loss of the plan (spectral-model.ts `bandLoss`, summed over bands). */
  readonly loss: number;
  /** Predicted FLOPs relative to the full-resolution plan. */
  readonly flopFraction: number;
}

/** Solves the budget problem (exported for inspection and tests). */
export function solveBudget(options: BudgetPolicyOptions, ctx: PolicyContext): BudgetSolution {
  checkSigmas(ctx.sigmas);
  const fraction = options.fraction;
  if (!(fraction > 0 && fraction <= 1)) throw new ConfigError(field('fraction'), fraction, 'must be in (0, 1]');
  if (options.maxLevel !== undefined) checkMaxLevel(field('maxLevel'), options.maxLevel, ctx);
  const depth = options.maxLevel ?? Math.min(2, ctx.maxLevel);
  const steps = ctx.sigmas.length - 1;
  if (depth === 0) {
    // No coarser level fits this run: only the full-resolution plan exists.
    if (fraction < 1) throw new ConfigError(field('fraction'), fraction, `is below the cheapest plan (no coarser level fits ${ctx.resolution.height}x${ctx.resolution.width}: 1.0000)`);
    return { levels: new Array<number>(steps).fill(0), loss: 0, flopFraction: 1 };
  }
  const bins = spectralBins(spectrumFor(options.spectrum, ctx, BUDGET_POLICY));
  const f = Array.from({ length: depth + 1 }, (_, k) => ctx.flopsAt(k));
  const full = steps * (f[0] as number);
  const budget = fraction * full * (1 + 1e-12);
  // loss[k][i]: band k restored at step i (i = 0..steps).
  const loss = Array.from({ length: depth + 1 }, (_, k) =>
    k === 0 ? [] : Array.from({ length: steps + 1 }, (_, i) => bandLoss(bins, k, ctx.sigmas, i)),
  );
  // FLOPs of restore points r[1..L]: steps * f0 + sum_k r[k] (f[k] - f[k-1]).
  let best: { r: number[]; loss: number; flops: number } | undefined;
  const r = new Array<number>(depth + 1).fill(0);
  const consider = (k: number, upper: number, partialLoss: number, partialFlops: number): void => {
    const delta = (f[k] as number) - (f[k - 1] as number);
    if (k === depth) {
      // smallest r[k] in [0, upper] with partialFlops + r delta <= budget (delta <= 0).
      let rk: number;
      if (partialFlops <= budget) rk = 0;
      else if (delta >= 0) return;
      else rk = Math.ceil((budget - partialFlops) / delta - 1e-9);
      if (rk > upper) return;
      rk = Math.max(0, rk);
      const total = partialLoss + (loss[k]![rk] as number);
      const flops = partialFlops + rk * delta;
      if (!best || total < best.loss - 1e-12 || (Math.abs(total - best.loss) <= 1e-12 && flops < best.flops)) {
        r[k] = rk;
        best = { r: [...r], loss: total, flops };
      }
      return;
    }
    for (let i = 0; i <= upper; i++) {
      r[k] = i;
      consider(k + 1, i, partialLoss + (loss[k]![i] as number), partialFlops + i * delta);
    }
  };
  consider(1, steps, 0, full);
  if (!best) {
    const cheapest = (f[depth] as number) / (f[0] as number);
    throw new ConfigError(field('fraction'), fraction, `is below the cheapest plan (all steps at level ${depth}: ${cheapest.toFixed(4)})`);
  }
  const chosen = best as { r: number[]; loss: number; flops: number };
  const levels = Array.from({ length: steps }, (_, i) => {
    let level = 0;
    for (let k = 1; k <= depth; k++) if (i < (chosen.r[k] as number)) level = k;
    return level;
  });
  return { levels, loss: chosen.loss, flopFraction: buildPlan(BUDGET_POLICY, levels, ctx).flopFraction };
}

/** Creates the budget policy. */
export function createBudgetPolicy(options: BudgetPolicyOptions = BUDGET_POLICY_DEFAULTS): UpshiftPolicy {
  if (!(options.fraction > 0 && options.fraction <= 1)) throw new ConfigError(field('fraction'), options.fraction, 'must be in (0, 1]');
  return {
    name: BUDGET_POLICY,
    levels: (ctx) => solveBudget(options, ctx).levels,
  };
}

/** Factory: options `{ fraction?, maxLevel?, spectrum? }`. */
export const budgetPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: BUDGET_POLICY,
  description: 'Meets a target FLOP fraction with the least expected loss under the spectral (Wiener) model.',
  create(options: unknown): UpshiftPolicy {
    return createBudgetPolicy(resolveBudgetPolicyOptions(options));
  },
};
