/** The 'none' policy: every step at full resolution (the baseline every plan is measured against). */
import type { PluginFactory, PolicyContext, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { checkSigmas, optionsRecord } from './policy-options.js';

/** Registered name of the full-resolution policy. */
export const NONE_POLICY = 'none';

/** Every step at level 0. */
export function createNonePolicy(): UpshiftPolicy {
  return {
    name: NONE_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      return new Array<number>(ctx.sigmas.length - 1).fill(0);
    },
  };
}

/** Factory of the 'none' policy; rejects any option. */
export const nonePolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: NONE_POLICY,
  description: 'No upshifting: every step at full resolution.',
  create(options: unknown): UpshiftPolicy {
    optionsRecord(options, []);
    return createNonePolicy();
  },
};
