/**
 * The seed's fixed-threshold policy: above a noise level run at a coarse level (default 1/4
 * side), below it at full resolution. The threshold is a noise level (sigma, logSNR, or the
 * seed's "t > 0.7" converted through the run's schedule), so it means the same noise whatever
 * the schedule.
 */
import type { PluginFactory, PolicyContext, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { checkMaxLevel, checkSigmas, field, optionsRecord, readLevel, readThreshold, thresholdSigma } from './policy-options.js';
import type { NoiseThreshold } from './policy-options.js';

/** Registered name of the fixed-threshold policy. */
export const FIXED_POLICY = 'fixed';

/** Coarse level of the fixed policy when none is given: 1/4 side (capped at the run's maxLevel). */
export const FIXED_DEFAULT_LEVEL = 2;

/** Options of the fixed policy. */
export interface FixedPolicyOptions {
  /**
   * Coarse level used above the threshold (2 = 1/4 side). Given, it must fit the run (a
   * ConfigError otherwise); left out, it is {@link FIXED_DEFAULT_LEVEL} capped at the run's
   * maxLevel, so the defaults work at every resolution.
   */
  readonly level?: number;
  /** The switch point; steps whose starting sigma is above it run at `level`. */
  readonly threshold: NoiseThreshold;
}

/** Defaults: 1/4 side while sigma > 2 (the seed's "t > 0.7" on a cosine schedule, logSNR -1.37). */
export const FIXED_POLICY_DEFAULTS: FixedPolicyOptions = { threshold: { sigma: 2 } };

/** Validates untrusted options (JSON) into {@link FixedPolicyOptions}. */
export function resolveFixedPolicyOptions(options: unknown): FixedPolicyOptions {
  const record = optionsRecord(options, ['level', 'sigma', 'logSnr', 't']);
  const at = 'policyOptions';
  const level = readLevel(record, 'level', at, undefined);
  return { ...(level === undefined ? {} : { level }), threshold: readThreshold(record, at) ?? FIXED_POLICY_DEFAULTS.threshold };
}

/** Creates the fixed policy. */
export function createFixedPolicy(options: FixedPolicyOptions = FIXED_POLICY_DEFAULTS): UpshiftPolicy {
  return {
    name: FIXED_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      if (options.level !== undefined) checkMaxLevel(field('level'), options.level, ctx);
      const level = options.level ?? Math.min(FIXED_DEFAULT_LEVEL, ctx.maxLevel);
      const switchSigma = thresholdSigma(options.threshold, 'policyOptions', ctx);
      return ctx.sigmas.slice(0, -1).map((s) => (s > switchSigma ? level : 0));
    },
  };
}

/** Factory: options `{ level?, sigma? | logSnr? | t? }`. */
export const fixedPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: FIXED_POLICY,
  description: 'Coarse level (default 1/4 side) above a noise threshold, full resolution below it.',
  create(options: unknown): UpshiftPolicy {
    return createFixedPolicy(resolveFixedPolicyOptions(options));
  },
};
