/**
 * Adaptive policy: decides during the run from the model's own x0 predictions. After each step
 * at level k it measures the energy of the prediction's top half-band (what the next coarser
 * grid could not hold: the 2x2 Haar detail `x0 - nearestUp(avgpool(x0))`, per pixel) against
 * the noise in the same band at the next step (white noise of per-pixel std s_k puts 3/4 s_k^2
 * there). The Wiener-like prediction keeps near-Nyquist detail only once the data there rises
 * above the noise, so when this band SNR exceeds `threshold` the frequencies just above the
 * current Nyquist are about to matter and the run upshifts one level.
 *
 * Before the run, the plan is the fallback: `startLevel` while sigma > `fullBelowSigma`, then
 * full resolution. The hook only ever upshifts earlier than that plan (never downshifts), so the
 * predicted FLOP fraction is an upper bound on the savings. By default a trigger moves one level
 * finer; `upshiftTo: 0` jumps straight to full resolution (the two-level plan that the quality
 * sweep found free on the shipped emoji model, see {@link ADAPTIVE_EMOJI_UNET_CALIBRATED}).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type {
  PluginFactory,
  PolicyContext,
  ResolutionLevel,
  StepHook,
  StepHookContext,
  StepHookResult,
  UpshiftPolicy,
} from '@upshift/core';
import { ConfigError } from '@upshift/core';
import { checkMaxLevel, checkSigmas, field, optionsRecord, readLevel, readNumber } from './policy-options.js';

/** Registered name of the adaptive policy. */
export const ADAPTIVE_POLICY = 'adaptive';

/** Options of the adaptive policy. */
export interface AdaptivePolicyOptions {
  /** Level the run starts at (default min(2, ctx.maxLevel)). */
  readonly startLevel?: number;
  /** Band SNR (detail energy / noise energy in the top half-band) that triggers an upshift, in (0, 100]. */
  readonly threshold: number;
  /** Fallback: full resolution once the full-resolution sigma is at or below this. */
  readonly fullBelowSigma: number;
  /** Level a trigger jumps to (default: one level finer than the current one); 0 = straight to full resolution. */
  readonly upshiftTo?: number;
}

/** Defaults: upshift when the top-band SNR of x0 exceeds 0.05; full resolution by sigma 1. */
export const ADAPTIVE_POLICY_DEFAULTS: AdaptivePolicyOptions = { threshold: 0.05, fullBelowSigma: 1 };

/**
 * Options calibrated on the quality sweep of the shipped emoji model (Euler 20, Karras, guidance 2
 * in (0.3, 5]; `docs/measurements/quality-sweep.md`, set `gi2-adaptive-cal`): the sweep's runs
 * record this policy's statistic at 1/4 side as 0.69e-3 to 0.76e-3 after the step from sigma 31.9
 * and 1.56e-3 to 1.73e-3 after the step from 22.8 (every seed), so a threshold of 1e-3 (near the
 * geometric middle) triggers after the last step above sigma 20, and `upshiftTo: 0` then goes
 * straight to full resolution, where the measurement says upshifting is free (coarse steps below
 * sigma ~20 cost detail). The fallback (`fullBelowSigma` 5, where guidance starts) bounds a run
 * whose statistic never fires. Not the shipped default (that is `fixed`, sigma 20).
 */
export const ADAPTIVE_EMOJI_UNET_CALIBRATED: AdaptivePolicyOptions = Object.freeze({ startLevel: 2, threshold: 1e-3, fullBelowSigma: 5, upshiftTo: 0 });

/** Validates untrusted options (JSON). */
export function resolveAdaptivePolicyOptions(options: unknown): AdaptivePolicyOptions {
  const record = optionsRecord(options, ['startLevel', 'threshold', 'fullBelowSigma', 'upshiftTo']);
  const at = 'policyOptions';
  const startLevel = readLevel(record, 'startLevel', at, undefined, 1);
  const upshiftTo = readLevel(record, 'upshiftTo', at, undefined, 0);
  if (upshiftTo !== undefined && startLevel !== undefined && upshiftTo >= startLevel) {
    throw new ConfigError(field('upshiftTo'), upshiftTo, `must be below startLevel (${startLevel})`);
  }
  return {
    ...(upshiftTo === undefined ? {} : { upshiftTo }),
    threshold: readNumber(record, 'threshold', at, ADAPTIVE_POLICY_DEFAULTS.threshold, { min: 0, minExclusive: true, max: 100 }) as number,
    fullBelowSigma: readNumber(record, 'fullBelowSigma', at, ADAPTIVE_POLICY_DEFAULTS.fullBelowSigma, { min: 0, minExclusive: true }) as number,
    ...(startLevel === undefined ? {} : { startLevel }),
  };
}

/**
 * Top half-band SNR of an x0 prediction at per-pixel noise `sigma`:
 * mean((x0 - nearestUp(avgpool(x0)))^2) / (3/4 sigma^2). Infinity when sigma is 0.
 * Reads the result with `await data()` (WebGPU in Node cannot read synchronously).
 */
export async function topBandSnr(x0: Tensor4D, sigma: number): Promise<number> {
  const [, h, w] = x0.shape;
  if (h % 2 !== 0 || w % 2 !== 0) return Number.POSITIVE_INFINITY;
  // Per 2x2 block, sum (x - m)^2 = sum x^2 - 4 m^2, so the mean Haar detail energy is
  // mean(x0^2) - mean(avgpool(x0)^2): no upsampling (tf's Tile reads synchronously on WebGPU).
  const energyT = tf.tidy(() => tf.relu(tf.sub(tf.mean(tf.square(x0)), tf.mean(tf.square(tf.avgPool(x0, 2, 2, 'valid'))))));
  let energy: number;
  try {
    energy = (await energyT.data())[0] as number;
  } finally {
    energyT.dispose();
  }
  return sigma > 0 ? energy / (0.75 * sigma * sigma) : Number.POSITIVE_INFINITY;
}

/** One early upshift the adaptive hook made. */
export interface AdaptiveDecision {
  /** The step that ran at the new level. */
  readonly index: number;
  readonly level: number;
  /** The top-band SNR that triggered it. */
  readonly snr: number;
}

/**
 * The adaptive step hook of one run (keeps no tensors). Its decisions depend only on the step
 * it sees; the record of past decisions is its state, saved in run checkpoints.
 */
export class AdaptiveUpshiftHook implements StepHook {
  readonly name = ADAPTIVE_POLICY;
  /** Step indices where the hook upshifted earlier than the plan. */
  readonly decisions: AdaptiveDecision[] = [];

  /**
   * @param threshold band SNR that triggers an upshift
   * @param upshiftTo level a trigger jumps to (default one level finer; never coarser than that)
   */
  constructor(
    readonly threshold: number,
    readonly upshiftTo?: number,
  ) {}

  async afterStep(ctx: StepHookContext): Promise<StepHookResult | void> {
    if (ctx.sigmaNext === 0) return;
    // At full resolution after an early upshift the plan may still say a coarser level: stay (never downshift).
    if (ctx.level === 0) return ctx.nextLevel > 0 ? { level: 0 } : undefined;
    const snr = await topBandSnr(ctx.denoised, ctx.sigmaNext / 2 ** ctx.level);
    const wanted = snr > this.threshold ? Math.min(ctx.level - 1, this.upshiftTo ?? ctx.level - 1) : ctx.level;
    const next = Math.min(wanted, ctx.nextLevel);
    if (next === ctx.nextLevel) return;
    if (next < ctx.level) this.decisions.push({ index: ctx.index + 1, level: next, snr });
    return { level: next };
  }

  /** The decisions so far (JSON; SNRs are finite here since sigma > 0). */
  saveState(): { decisions: AdaptiveDecision[] } {
    return { decisions: this.decisions.map((d) => ({ ...d })) };
  }

  /** Restores {@link saveState}'s record into this (fresh) hook. */
  restoreState(state: unknown): void {
    const decisions = (state as { decisions?: unknown } | null)?.decisions;
    const ok = (d: unknown): d is AdaptiveDecision => {
      const r = d as Record<string, unknown> | null;
      return r !== null && typeof r === 'object' && Number.isInteger(r['index']) && Number.isInteger(r['level']) && typeof r['snr'] === 'number';
    };
    if (!Array.isArray(decisions) || !decisions.every(ok)) {
      throw new ConfigError('hooks.adaptive.decisions', decisions, 'must be an array of { index, level, snr }');
    }
    this.decisions.splice(0, this.decisions.length, ...decisions.map((d) => ({ index: d.index, level: d.level, snr: d.snr })));
  }
}

/** Creates the adaptive policy. */
export function createAdaptivePolicy(options: AdaptivePolicyOptions = ADAPTIVE_POLICY_DEFAULTS): UpshiftPolicy {
  if (!(options.threshold > 0)) throw new ConfigError(field('threshold'), options.threshold, 'must be > 0');
  return {
    name: ADAPTIVE_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      if (options.startLevel !== undefined) checkMaxLevel(field('startLevel'), options.startLevel, ctx);
      const start = options.startLevel ?? Math.min(2, ctx.maxLevel);
      return ctx.sigmas.slice(0, -1).map((s) => (s > options.fullBelowSigma ? start : 0));
    },
    hook(): StepHook {
      return new AdaptiveUpshiftHook(options.threshold, options.upshiftTo);
    },
  };
}

/** Factory: options `{ startLevel?, threshold?, fullBelowSigma?, upshiftTo? }`. */
export const adaptivePolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: ADAPTIVE_POLICY,
  description: "Upshifts during the run when the model's x0 prediction shows detail near the current Nyquist frequency.",
  create(options: unknown): UpshiftPolicy {
    return createAdaptivePolicy(resolveAdaptivePolicyOptions(options));
  },
};
