/**
 * Bottleneck policy (Tian et al. 2025, "Training-free Diffusion Acceleration with Bottleneck
 * Sampling", arXiv 2503.18940): full resolution for the first, highest-noise steps (where a model
 * trained mostly at full resolution sets the layout), a low-resolution "bottleneck" in the
 * middle, and full resolution again at the end. The middle is a pyramid (`stages`, deepest
 * first), so the run goes 0 -> k -> ... -> 0. The first switch is a *downshift*: the exact pair's
 * down operator keeps the noise i.i.d. at sigma / 2 per level, so no re-noising is needed there;
 * each upshift adds the exact high-frequency noise as usual.
 */
import { ConfigError } from '@upshift/core';
import type { PluginFactory, PolicyContext, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { checkSigmas, field, optionsRecord, readThreshold, thresholdSigma } from './policy-options.js';
import type { NoiseThreshold } from './policy-options.js';
import { readStages, stageLevel, stageSwitches } from './pyramid-policy.js';
import type { PyramidStage } from './pyramid-policy.js';

/** Registered name of the bottleneck policy. */
export const BOTTLENECK_POLICY = 'bottleneck';

/** Options of the bottleneck policy. */
export interface BottleneckPolicyOptions {
  /** Steps whose starting sigma is above this noise level run at full resolution (the first stage). */
  readonly fullAbove: NoiseThreshold;
  /** The bottleneck below `fullAbove`: pyramid stages (levels and switch sigmas strictly decreasing, all below `fullAbove`). */
  readonly stages: readonly PyramidStage[];
}

/** Defaults: full resolution above sigma 20, then 1/2 side while sigma > 2, then full resolution. */
export const BOTTLENECK_POLICY_DEFAULTS: BottleneckPolicyOptions = {
  fullAbove: { sigma: 20 },
  stages: [{ level: 1, threshold: { sigma: 2 } }],
};

/** Validates untrusted options (JSON): `{ fullAbove?: { sigma | logSnr | t }, stages?: [...] }`. */
export function resolveBottleneckPolicyOptions(options: unknown): BottleneckPolicyOptions {
  const record = optionsRecord(options, ['fullAbove', 'stages']);
  let fullAbove = BOTTLENECK_POLICY_DEFAULTS.fullAbove;
  if (record['fullAbove'] !== undefined) {
    const at = field('fullAbove');
    const threshold = readThreshold(optionsRecord(record['fullAbove'], ['sigma', 'logSnr', 't'], at), at);
    if (!threshold) throw new ConfigError(at, record['fullAbove'], 'must be { sigma } or { logSnr } or { t }');
    fullAbove = threshold;
  }
  const stages = record['stages'] === undefined ? BOTTLENECK_POLICY_DEFAULTS.stages : readStages(record['stages'], field('stages'));
  return { fullAbove, stages };
}

/** Creates the bottleneck policy. */
export function createBottleneckPolicy(options: BottleneckPolicyOptions = BOTTLENECK_POLICY_DEFAULTS): UpshiftPolicy {
  return {
    name: BOTTLENECK_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      const above = thresholdSigma(options.fullAbove, field('fullAbove'), ctx);
      const switches = stageSwitches(options.stages, ctx, field('stages'));
      const first = switches[0]!;
      if (first.sigma >= above) {
        throw new ConfigError(field('stages[0]'), first.sigma, `the bottleneck's switch sigmas must be below fullAbove (${above})`);
      }
      return ctx.sigmas.slice(0, -1).map((s) => (s > above ? 0 : stageLevel(switches, s)));
    },
  };
}

/** Factory: options `{ fullAbove?, stages? }`. */
export const bottleneckPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: BOTTLENECK_POLICY,
  description: 'Full resolution at the highest noise, a low-resolution bottleneck in the middle, full resolution at the end.',
  create(options: unknown): UpshiftPolicy {
    return createBottleneckPolicy(resolveBottleneckPolicyOptions(options));
  },
};
